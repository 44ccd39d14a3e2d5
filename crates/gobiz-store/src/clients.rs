//! OAuth clients.

use crate::exec::{execute, fetch_optional, flag, int, opt_text, parsed, text};
use crate::schema::OauthClients;
use crate::{codec, join_words, split_words, Result, Runner};
use gobiz_domain::entities::Client;
use gobiz_domain::scope::Grant;
use sea_query::{Expr, ExprTrait, Query};

/// Every column, in insert order.
const COLUMNS: [OauthClients; 10] = [
    OauthClients::ClientId,
    OauthClients::PartnerId,
    OauthClients::Name,
    OauthClients::SecretHash,
    OauthClients::AllowedScopes,
    OauthClients::AllowedGrants,
    OauthClients::RedirectUris,
    OauthClients::IsPublic,
    OauthClients::RequirePkce,
    OauthClients::CreatedAt,
];

/// Inserts a client.
pub async fn insert<R: Runner>(r: &mut R, c: &Client) -> Result<()> {
    let grants: Vec<&str> = c.allowed_grants.iter().map(|g| g.as_str()).collect();
    let uris = codec::encode("oauth_clients", &c.client_id, &c.redirect_uris)?;
    let stmt = Query::insert()
        .into_table(OauthClients::Table)
        .columns(COLUMNS)
        .values_panic([
            c.client_id.clone().into(),
            c.partner_id.clone().into(),
            c.name.clone().into(),
            c.secret_hash.clone().into(),
            join_words(&c.allowed_scopes).into(),
            join_words(&grants).into(),
            uris.into(),
            i64::from(c.public).into(),
            i64::from(c.require_pkce).into(),
            c.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One client by `client_id`.
pub async fn get<R: Runner>(r: &mut R, client_id: &str) -> Result<Option<Client>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(OauthClients::Table)
        .and_where(Expr::col(OauthClients::ClientId).eq(client_id))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    let grants = split_words(&text(&row, "allowed_grants")?)
        .into_iter()
        .map(|g| parsed(g, Grant::parse))
        .collect::<Result<Vec<_>>>()?;
    let redirect_uris: Vec<String> =
        codec::decode("oauth_clients", client_id, &text(&row, "redirect_uris")?)?;
    Ok(Some(Client {
        client_id: text(&row, "client_id")?,
        partner_id: text(&row, "partner_id")?,
        name: text(&row, "name")?,
        secret_hash: opt_text(&row, "secret_hash")?,
        allowed_scopes: split_words(&text(&row, "allowed_scopes")?),
        allowed_grants: grants,
        redirect_uris,
        public: flag(&row, "is_public")?,
        require_pkce: flag(&row, "require_pkce")?,
        created_at: int(&row, "created_at")?,
    }))
}
