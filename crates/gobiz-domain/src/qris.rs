//! The EMVCo merchant-presented QRIS payload of spec §7.6, and reading it back.

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo tag 63 requires.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn tlv(tag: &str, value: &str) -> String {
    format!("{tag}{:02}{value}", value.len())
}

/// Digits derived from text (stable), for the PAN and NMID of an outlet.
fn digits(seed: &str, n: usize) -> String {
    let mut h: u64 = 1469598103934665603;
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(1099511628211);
        }
        out.push_str(&format!("{:019}", h % 10_000_000_000_000_000_000));
    }
    out.truncate(n);
    out
}

/// Keeps EMVCo-safe characters (printable ASCII) and at most `max` of them.
fn clip(s: &str, max: usize) -> String {
    let clean: String = s.chars().filter(|c| (' '..='~').contains(c)).collect();
    let trimmed = clean.trim();
    let out: String = trimmed.chars().take(max).collect();
    if out.is_empty() {
        "GoBiz Merchant".chars().take(max).collect()
    } else {
        out
    }
}

/// The reference label of a transaction: `T` + the first 24 hex digits of its id.
pub fn reference_label(transaction_id: &str) -> String {
    let hex: String = transaction_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(24)
        .collect();
    format!("T{hex}")
}

/// Builds the payload for a transaction of `gross_amount` at an outlet.
pub fn build(
    outlet_id: &str,
    outlet_name: &str,
    city: &str,
    gross_amount: i64,
    transaction_id: &str,
) -> String {
    let gopay = format!(
        "{}{}{}{}",
        tlv("00", "COM.GO-JEK.WWW"),
        tlv("01", &format!("93600914{}", digits(outlet_id, 10))),
        tlv("02", &clip(outlet_id, 25)),
        tlv("03", "UMI")
    );
    let qris = format!(
        "{}{}{}",
        tlv("00", "ID.CO.QRIS.WWW"),
        tlv(
            "02",
            &format!("ID10{}", digits(&format!("nmid-{outlet_id}"), 11))
        ),
        tlv("03", "UMI")
    );
    let additional = format!(
        "{}{}",
        tlv("05", &reference_label(transaction_id)),
        tlv("07", "A01")
    );
    let mut s = String::new();
    s.push_str(&tlv("00", "01"));
    s.push_str(&tlv("01", "12"));
    s.push_str(&tlv("26", &gopay));
    s.push_str(&tlv("51", &qris));
    s.push_str(&tlv("52", "5812"));
    s.push_str(&tlv("53", "360"));
    s.push_str(&tlv("54", &gross_amount.to_string()));
    s.push_str(&tlv("58", "ID"));
    s.push_str(&tlv("59", &clip(outlet_name, 25)));
    s.push_str(&tlv("60", &clip(city, 15)));
    s.push_str(&tlv("62", &additional));
    s.push_str("6304");
    let crc = crc16(s.as_bytes());
    s.push_str(&format!("{crc:04X}"));
    s
}

/// Splits a TLV string into (tag, value) pairs; `None` when malformed.
pub fn parse_tlv(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let tag = rest.get(0..2)?;
        let len: usize = rest.get(2..4)?.parse().ok()?;
        let value = rest.get(4..4 + len)?;
        out.push((tag.to_string(), value.to_string()));
        rest = rest.get(4 + len..)?;
    }
    Some(out)
}

/// Checks the CRC and returns the reference label (tag 62, sub-tag 05) of a payload.
pub fn read_reference(payload: &str) -> Option<String> {
    let body = payload.get(..payload.len().checked_sub(4)?)?;
    let crc = u16::from_str_radix(payload.get(payload.len() - 4..)?, 16).ok()?;
    if !body.ends_with("6304") || crc16(body.as_bytes()) != crc {
        return None;
    }
    let tags = parse_tlv(payload)?;
    let additional = tags.iter().find(|(t, _)| t == "62")?;
    parse_tlv(&additional.1)?
        .into_iter()
        .find(|(t, _)| t == "05")
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    proptest! {
        #[test]
        fn payloads_parse_and_read_back(amount in 1i64..=10_000_000, name in "[ -~]{0,40}") {
            let id = "71839e9c-944b-40ce-bd31-8a76db666f36";
            let p = build("G000012345", &name, "Jakarta", amount, id);
            let tags = parse_tlv(&p).unwrap();
            let order: Vec<&str> = tags.iter().map(|(t, _)| t.as_str()).collect();
            prop_assert_eq!(order, vec!["00", "01", "26", "51", "52", "53", "54", "58", "59", "60", "62", "63"]);
            prop_assert_eq!(tags[6].1.clone(), amount.to_string());
            prop_assert_eq!(read_reference(&p), Some(reference_label(id)));
            prop_assert_eq!(reference_label(id), "T71839e9c944b40cebd318a76".to_string());
        }
    }
}
