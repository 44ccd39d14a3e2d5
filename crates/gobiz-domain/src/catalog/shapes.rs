//! The catalog as the API shows and accepts it (spec §4.1–§4.4): the write model (the push
//! body, and what `GET v1/catalog` answers), the read model of `GET v2/catalog`, and the stock
//! update body. The push and stock bodies are checked by hand ([`super::parse_push`],
//! [`super::apply_stock`]) so that every violation is reported with its JSON path; these types
//! describe the accepted shape.
//!
//! Fields are declared in alphabetical order: that is the order in which the answers have
//! always been serialized (and stored, for the read model), so it must not change.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One selling window of a day (spec §4.1): `HH:mm`, 24 h, `start` before `end`; `23:59` is
/// the end of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"start": "10:00", "end": "14:00"}))]
pub struct HoursWindow {
    /// End, `HH:mm`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "14:00")]
    pub end: String,
    /// Start, `HH:mm`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "10:00")]
    pub start: String,
}

/// When an item is sold (spec §4.1): seven lower-case day keys, each at most 5 windows that
/// do not overlap. In a push, a missing day or `[]` means not sold that day, and a missing
/// `operational_hours` means every day `00:00`–`23:59`. Answers always hold all seven days.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"monday": [{"start": "10:00", "end": "14:00"}, {"start": "17:00", "end": "23:59"}]}))]
pub struct OperationalHours {
    /// Friday's windows.
    #[schema(max_items = 5)]
    pub friday: Option<Vec<HoursWindow>>,
    /// Monday's windows.
    #[schema(max_items = 5)]
    pub monday: Option<Vec<HoursWindow>>,
    /// Saturday's windows.
    #[schema(max_items = 5)]
    pub saturday: Option<Vec<HoursWindow>>,
    /// Sunday's windows.
    #[schema(max_items = 5)]
    pub sunday: Option<Vec<HoursWindow>>,
    /// Thursday's windows.
    #[schema(max_items = 5)]
    pub thursday: Option<Vec<HoursWindow>>,
    /// Tuesday's windows.
    #[schema(max_items = 5)]
    pub tuesday: Option<Vec<HoursWindow>>,
    /// Wednesday's windows.
    #[schema(max_items = 5)]
    pub wednesday: Option<Vec<HoursWindow>>,
}

/// How many variants of a category a customer picks (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VariantSelection {
    /// Most selections, at most the number of variants. In a push `null` means every
    /// variant; answers always hold the number.
    #[schema(required = true, minimum = 0, maximum = 100, example = 2)]
    pub max_quantity: Option<i64>,
    /// Fewest selections, `0 ≤ min_quantity ≤ max_quantity`.
    #[schema(minimum = 0, maximum = 100, example = 1)]
    pub min_quantity: i64,
}

/// The rules of a variant category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VariantRules {
    /// The selection bounds.
    pub selection: VariantSelection,
}

/// A variant (option) of the write model (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogVariant {
    /// The partner's id, unique among all variants of the catalog.
    #[schema(min_length = 1, max_length = 100, example = "V-XID")]
    pub external_id: String,
    /// Stock.
    pub in_stock: bool,
    /// Name.
    #[schema(min_length = 1, max_length = 150, example = "Cheese")]
    pub name: String,
    /// Added to the item price, IDR.
    #[schema(minimum = 0, maximum = 100_000_000, example = 1000)]
    pub price: i64,
}

/// A variant category (modifier group) of the write model (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogVariantCategory {
    /// The partner's id, unique among categories.
    #[schema(min_length = 1, max_length = 100, example = "VC-XID")]
    pub external_id: String,
    /// Name in the GoBiz merchant app.
    #[schema(max_length = 200)]
    pub internal_name: Option<String>,
    /// Name in the Gojek app.
    #[schema(min_length = 1, max_length = 150, example = "Topping")]
    pub name: String,
    /// Selection bounds.
    pub rules: VariantRules,
    /// Options.
    #[schema(max_items = 100)]
    pub variants: Vec<CatalogVariant>,
}

/// A menu item of the write model (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogMenuItem {
    /// Description.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// The partner's id, unique among all items of the catalog; orders carry it back and
    /// promotions use it as the item key.
    #[schema(min_length = 1, max_length = 100, example = "XID")]
    pub external_id: String,
    /// An `http`/`https` URL (not fetched).
    #[schema(max_length = 2000, format = "uri")]
    pub image: Option<String>,
    /// Stock.
    pub in_stock: bool,
    /// Name in the GoBiz merchant app.
    #[schema(max_length = 200)]
    pub internal_name: Option<String>,
    /// Name in the Gojek app.
    #[schema(min_length = 1, max_length = 150, example = "Pizza Margherita")]
    pub name: String,
    /// When the item is sold; absent means every day `00:00`–`23:59`.
    pub operational_hours: Option<OperationalHours>,
    /// IDR.
    #[schema(minimum = 0, maximum = 100_000_000, example = 9000)]
    pub price: i64,
    /// The item's variant categories, each a `variant_categories[].external_id`.
    pub variant_category_external_ids: Option<Vec<String>>,
}

/// A menu (section) of the write model (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogMenu {
    /// Items; at most 3,000 in the whole catalog.
    pub menu_items: Vec<CatalogMenuItem>,
    /// Name; a menu keeps its GoBiz id across pushes by name.
    #[schema(min_length = 1, max_length = 150, example = "Pizza")]
    pub name: String,
}

/// The catalog write model (spec §4.1): the body of `PUT .../catalog`, which replaces the
/// whole catalog, and the answer of `GET .../v1/catalog` (what a push would have to send to
/// recreate the current catalog; `request_id` is `null` before the first push).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "request_id": "a7956af2-e5e9-4b1e-9844-52494d6cb6fc",
    "menus": [{"name": "Pizza", "menu_items": [{
        "external_id": "XID", "name": "Pizza Margherita", "description": "Delicious Italian Pizza",
        "in_stock": true, "price": 9000, "image": "http://gofood.co.id/some.png",
        "operational_hours": {"monday": [{"start": "10:00", "end": "14:00"}, {"start": "17:00", "end": "23:59"}]},
        "variant_category_external_ids": ["VC-XID"]}]}],
    "variant_categories": [{"external_id": "VC-XID", "internal_name": "Topping (promo)", "name": "Topping",
        "rules": {"selection": {"min_quantity": 1, "max_quantity": 2}},
        "variants": [{"external_id": "V-XID", "name": "Cheese", "price": 1000, "in_stock": true},
                     {"external_id": "V-XID-2", "name": "Mushroom", "price": 2000, "in_stock": true}]}]
}))]
pub struct CatalogBody {
    /// Menus (at most 100).
    #[schema(max_items = 100)]
    pub menus: Vec<CatalogMenu>,
    /// 1 to 100 characters, echoed in `gofood.catalog.menu_mapping_updated`; absent → the
    /// server makes a UUID.
    #[schema(min_length = 1, max_length = 100)]
    pub request_id: Option<String>,
    /// Variant categories (at most 200; may be `[]`).
    #[schema(max_items = 200)]
    pub variant_categories: Vec<CatalogVariantCategory>,
}

/// A variant of the read model: the write model's plus its GoBiz id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogReadVariant {
    /// The partner's id.
    #[schema(example = "V-XID")]
    pub external_id: String,
    /// GoBiz id (UUID), stable across pushes for the same `external_id`.
    #[schema(format = "uuid")]
    pub id: String,
    /// Stock.
    pub in_stock: bool,
    /// Name.
    pub name: String,
    /// Added to the item price, IDR.
    pub price: i64,
}

/// A variant category of the read model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogReadVariantCategory {
    /// The partner's id.
    #[schema(example = "VC-XID")]
    pub external_id: String,
    /// GoBiz id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// Name in the GoBiz merchant app; `null` when empty.
    #[schema(required = true)]
    pub internal_name: Option<String>,
    /// Name in the Gojek app.
    pub name: String,
    /// Selection bounds; `max_quantity` is always a number here.
    pub rules: VariantRules,
    /// Options.
    pub variants: Vec<CatalogReadVariant>,
}

/// A menu item of the read model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogReadMenuItem {
    /// Description; `null` when empty.
    #[schema(required = true)]
    pub description: Option<String>,
    /// The partner's id.
    #[schema(example = "XID")]
    pub external_id: String,
    /// GoBiz id (UUID), stable across pushes for the same `external_id`.
    #[schema(format = "uuid")]
    pub id: String,
    /// Image URL; `null` when empty.
    #[schema(required = true)]
    pub image: Option<String>,
    /// Stock.
    pub in_stock: bool,
    /// Name in the GoBiz merchant app; `null` when empty.
    #[schema(required = true)]
    pub internal_name: Option<String>,
    /// Name in the Gojek app.
    pub name: String,
    /// All seven days.
    pub operational_hours: OperationalHours,
    /// IDR.
    pub price: i64,
    /// The GoBiz ids of the item's variant categories.
    pub variant_category_ids: Vec<String>,
}

/// A menu of the read model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogReadMenu {
    /// GoBiz id (UUID), stable across pushes for the same name.
    #[schema(format = "uuid")]
    pub id: String,
    /// Items.
    pub menu_items: Vec<CatalogReadMenuItem>,
    /// Name.
    pub name: String,
}

/// The catalog read model of `GET .../v2/catalog` (spec §4.3): the write model plus GoBiz
/// ids; items refer to categories by GoBiz id. `{"menus": [], "variant_categories": []}`
/// before the first push.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "menus": [{"id": "5f1c9a53-1b7e-4c55-9a8e-0c2f7d9e1a11", "name": "Pizza", "menu_items": [{
        "id": "e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88", "external_id": "XID", "name": "Pizza Margherita",
        "internal_name": null, "description": "Delicious Italian Pizza", "in_stock": true, "price": 9000,
        "image": "http://gofood.co.id/some.png",
        "operational_hours": {
            "sunday": [{"start": "00:00", "end": "23:59"}], "monday": [{"start": "00:00", "end": "23:59"}],
            "tuesday": [{"start": "00:00", "end": "23:59"}], "wednesday": [{"start": "00:00", "end": "23:59"}],
            "thursday": [{"start": "00:00", "end": "23:59"}], "friday": [{"start": "00:00", "end": "23:59"}],
            "saturday": [{"start": "00:00", "end": "23:59"}]},
        "variant_category_ids": ["bb447057-4572-46f6-a97c-2e6478d98ac2"]}]}],
    "variant_categories": [{"id": "bb447057-4572-46f6-a97c-2e6478d98ac2", "external_id": "VC-XID",
        "name": "Topping", "internal_name": "Topping (promo)",
        "rules": {"selection": {"min_quantity": 1, "max_quantity": 2}},
        "variants": [{"id": "be18dc03-e941-4238-8bba-bcd9b5e554fc", "external_id": "V-XID", "name": "Cheese", "price": 1000, "in_stock": true},
                     {"id": "0d4e6f1a-8b2c-4d3e-9f5a-6b7c8d9e0f12", "external_id": "V-XID-2", "name": "Mushroom", "price": 2000, "in_stock": true}]}]
}))]
pub struct CatalogReadModel {
    /// Menus.
    pub menus: Vec<CatalogReadMenu>,
    /// Every variant category, used by an item or not.
    pub variant_categories: Vec<CatalogReadVariantCategory>,
}

/// The JSON text that is stored and served (fields in declaration order).
impl std::fmt::Display for CatalogReadModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&text)
    }
}

/// One stock change (spec §4.4): an item (or variant) by GoBiz `id` or by `external_id`
/// (at least one; both must designate the same one), and its new stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"external_id": "XID", "in_stock": false}))]
pub struct StockChange {
    /// The GoBiz id (from `GET .../v2/catalog`).
    #[schema(format = "uuid")]
    pub id: Option<String>,
    /// The partner's id.
    pub external_id: Option<String>,
    /// The new stock state.
    pub in_stock: bool,
}

/// The list under a key, the other body form of a stock update (spec §4.4); the first of
/// `menu_items`, `variants`, `items` present is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StockChangeList {
    /// The changes (either endpoint).
    #[schema(max_items = 3000)]
    pub menu_items: Option<Vec<StockChange>>,
    /// The changes (either endpoint).
    #[schema(max_items = 3000)]
    pub variants: Option<Vec<StockChange>>,
    /// The changes (either endpoint).
    #[schema(max_items = 3000)]
    pub items: Option<Vec<StockChange>>,
}

/// The body of a stock update (spec §4.4): a JSON array of changes (what clients send), or
/// an object holding it under `menu_items`, `variants` or `items`. All or nothing: one
/// unknown id refuses the whole request. At most 3,000 changes; the last change of an id wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!([{"external_id": "XID", "in_stock": false}, {"id": "e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88", "in_stock": true}]))]
pub enum StockBody {
    /// The changes.
    List(Vec<StockChange>),
    /// The changes under a key.
    Wrapped(StockChangeList),
}
