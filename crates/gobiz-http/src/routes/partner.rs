//! Partner reads (spec §3.2, §3.4) and the merchant-user routes: token info, linking,
//! properties (spec §3.3, §3.5–§3.8).

use crate::envelope::{ok, ApiResult, Empty, Failure, Success};
use crate::extract::{page_params, ApiPath, Deferred, Partner};
use crate::views::{LinkView, LinkedOutlet, OutletInfo};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use gobiz_domain::ids::OutletId;
use gobiz_services::partner::user::{LinkAction, LinkBody, LinkTarget, PropertiesBody};
use gobiz_services::ServiceError;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(linked_outlets))
        .routes(routes!(outlet_info))
}

/// Routes acting for a merchant user (`ac` token).
pub(super) fn user_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token_info))
        .routes(routes!(link_outlet, unlink_outlet))
        .routes(routes!(link_primary, unlink_primary))
        .routes(routes!(set_properties, get_properties))
}

/// `{outlet_id}` of the outlet paths, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// The path parameters of the link endpoints (spec §3.5), for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct LinkParams {
    /// The outlet to link; the user must have a role in its merchant.
    #[param(example = "G000012345")]
    outlet_id: String,
    /// `gofood` or `payment`; anything else → 400 `product: must be one of gofood, payment`.
    #[param(pattern = "^(gofood|payment)$", example = "gofood")]
    product: String,
}

/// The page of linked-outlets (spec §1.13), for the OpenAPI document (read by hand).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct LinkedOutletsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20, example = 20)]
    per: Option<u64>,
    /// 1-based page number (default 1); a page past the end is an empty list.
    #[param(minimum = 1, default = 1, example = 1)]
    page: Option<u64>,
}

/// `data` of linked-outlets (spec §3.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedOutlets {
    /// One entry per outlet, sorted by `created_at`, then `id`.
    pub outlets: Vec<LinkedOutlet>,
}

/// `data` of outlet information (spec §3.4).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutletInfoData {
    /// The outlet.
    pub outlet: OutletInfo,
}

/// `data` of a link (spec §3.5, §3.7).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkData {
    /// The link.
    pub outlet: LinkView,
}

/// An outlet the merchant user can access (spec §3.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfoOutlet {
    /// Street address.
    #[schema(example = "Jl. Kemang Raya 10, Jakarta")]
    pub address: String,
    /// Deprecated; always `""`.
    #[schema(example = "")]
    pub email: &'static str,
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The outlet's name.
    #[schema(example = "Kopi Senja Kemang")]
    pub name: String,
    /// Deprecated; always `""`.
    #[schema(example = "")]
    pub phone: &'static str,
}

/// The merchant user behind the token (spec §3.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfoUser {
    /// Distinct roles over the user's merchants, ordered `owner`, `admin`, `manager`.
    #[schema(example = json!(["manager"]))]
    pub roles: Vec<&'static str>,
}

/// `data` of token info (spec §3.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// The outlets the user can access: the primary outlet first, the rest by id.
    pub outlets: Vec<TokenInfoOutlet>,
    /// The user.
    pub user: TokenInfoUser,
}

/// `data` of the properties endpoint (spec §3.8).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutletProperties {
    /// Whether the outlet is closed on GoFood.
    #[schema(example = true)]
    pub force_close: bool,
}

/// `GET /integrations/partner/v1/linked-outlets?per=&page=`.
#[utoipa::path(get, path = "/integrations/partner/v1/linked-outlets",
    tag = "Outlets", operation_id = "linked_outlets",
    summary = "List linked outlets",
    description = "A facilitator's outlets linked for at least one product (one entry per outlet), or for a direct-integration partner every outlet of its merchant (`external_outlet_id` null, times from the outlet). Sorted by `created_at`, then `id`; paginated with `per` and `page`.",
    params(LinkedOutletsQuery),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The page", body = Success<LinkedOutlets>),
    ))]
async fn linked_outlets(
    State(state): State<AppState>,
    Partner(who): Partner,
    RawQuery(query): RawQuery,
) -> ApiResult {
    who.require_scope("partner:outlet:read")?;
    let page = page_params(query.as_deref(), "per", 100)?;
    let outlets = state.services.linked_outlets(&who, page).await?;
    let outlets = outlets.iter().map(views::linked_outlet).collect();
    Ok(ok(LinkedOutlets { outlets }))
}

/// `GET /integrations/partner/outlets/{outlet_id}/v1`.
#[utoipa::path(get, path = "/integrations/partner/outlets/{outlet_id}/v1",
    tag = "Outlets", operation_id = "outlet_info",
    summary = "Get outlet information",
    description = "An outlet linked to the caller for any product (or owned, for direct integration): names, status, e-mail, payment settings and applications.",
    params(OutletParams),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The outlet", body = Success<OutletInfoData>),
    ))]
async fn outlet_info(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let outlet = state.services.outlet_info(&who, &outlet_id).await?;
    Ok(ok(OutletInfoData {
        outlet: views::outlet_info(&outlet),
    }))
}

/// `GET /integrations/partner/v1/token-info` (spec §3.3).
#[utoipa::path(get, path = "/integrations/partner/v1/token-info",
    tag = "Outlets", operation_id = "token_info",
    summary = "Get token info",
    description = "The merchant user behind an `authorization_code` token: its roles and the outlets it can access, the primary outlet first. Check it before linking. A `client_credentials` token → 403. A token with only `openid` is also accepted.",
    security(("goauth" = ["partner:outlet:read"]), ("goauth" = ["openid"])),
    responses(
        (status = 200, description = "The user and its outlets", body = Success<TokenInfo>),
    ))]
async fn token_info(State(state): State<AppState>, Partner(who): Partner) -> ApiResult {
    let info = state.services.token_info(&who).await?;
    let roles = info.roles.iter().map(|r| r.as_str()).collect();
    let outlets = info
        .outlets
        .iter()
        .map(|o| TokenInfoOutlet {
            address: o.address.clone(),
            email: "",
            id: o.id.clone(),
            name: o.name.clone(),
            phone: "",
        })
        .collect();
    Ok(ok(TokenInfo {
        outlets,
        user: TokenInfoUser { roles },
    }))
}

async fn link_with(
    state: &AppState,
    who: &gobiz_services::access::Principal,
    target: LinkTarget<'_>,
    body: Result<LinkBody, ServiceError>,
) -> ApiResult {
    let action = LinkAction::Link(body.map(|b| b.external_outlet_id));
    match state.services.user_link(who, target, action).await? {
        Some(l) => Ok(ok(LinkData {
            outlet: views::link(&l),
        })),
        None => Err(ServiceError::Internal("link returned nothing".into()).into()),
    }
}

/// `PUT|POST /integrations/partner/outlets/{outlet_id}/v1/link/{product}` (spec §3.5).
#[utoipa::path(method(put, post), path = "/integrations/partner/outlets/{outlet_id}/v1/link/{product}",
    tag = "Outlets", operation_id = "link_outlet",
    summary = "Link an outlet",
    description = "Links the outlet to the caller's partner for a product, as the merchant user behind the `authorization_code` token (role `owner`, `admin` or `manager` in the outlet's merchant). Idempotent: linking again refreshes `external_outlet_id`, `updated_at` and `linked_at`. Linking for `gofood` switches the outlet's order acceptance to `auto_accept`. `POST` is an alias of `PUT`.",
    params(LinkParams),
    request_body = LinkBody,
    security(("goauth" = ["partner:outlet:read"]), ("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Linked", body = Success<LinkData>),
        (status = 409, description = "The caller is a direct-integration partner, which acts on its merchant's outlets without links", body = Failure),
    ))]
async fn link_outlet(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, product)): ApiPath<(OutletId, String)>,
    Deferred(body): Deferred<LinkBody>,
) -> ApiResult {
    link_with(
        &state,
        &who,
        LinkTarget::Outlet {
            outlet_id: &outlet_id,
            product: &product,
        },
        body,
    )
    .await
}

/// `DELETE /integrations/partner/outlets/{outlet_id}/v1/link/{product}` (spec §3.6).
#[utoipa::path(delete, path = "/integrations/partner/outlets/{outlet_id}/v1/link/{product}",
    tag = "Outlets", operation_id = "unlink_outlet",
    summary = "Unlink an outlet",
    description = "Removes the caller's link to the outlet for a product, as the merchant user behind the token (role `owner`, `admin` or `manager`). Unlinking something not linked also answers 200. Events for that outlet and product stop; outlet-specific subscriptions survive but deliver nothing while unlinked. The acceptance mode is unchanged.",
    params(LinkParams),
    security(("goauth" = ["partner:outlet:read"]), ("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Unlinked (or was not linked)", body = Success<Empty>),
        (status = 409, description = "The caller is a direct-integration partner", body = Failure),
    ))]
async fn unlink_outlet(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, product)): ApiPath<(OutletId, String)>,
) -> ApiResult {
    state
        .services
        .user_link(
            &who,
            LinkTarget::Outlet {
                outlet_id: &outlet_id,
                product: &product,
            },
            LinkAction::Unlink,
        )
        .await?;
    Ok(ok(Empty {}))
}

/// `PUT|POST /integrations/partner/v1/outlet-link` (spec §3.7).
#[utoipa::path(method(put, post), path = "/integrations/partner/v1/outlet-link",
    tag = "Outlets", operation_id = "link_primary_outlet",
    summary = "Link the primary outlet (legacy)",
    description = "Links the merchant user's primary outlet for both products, `gofood` and `payment`, as §3.5 does for one. Prefer the per-outlet link for multi-outlet merchants. `POST` is an alias of `PUT`.",
    request_body = LinkBody,
    security(("goauth" = ["partner:outlet:read"]), ("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Linked; the link of `gofood`", body = Success<LinkData>),
        (status = 404, description = "The user has no primary outlet (`User has no primary outlet`), or it no longer exists", body = Failure),
        (status = 409, description = "The caller is a direct-integration partner", body = Failure),
    ))]
async fn link_primary(
    State(state): State<AppState>,
    Partner(who): Partner,
    Deferred(body): Deferred<LinkBody>,
) -> ApiResult {
    link_with(&state, &who, LinkTarget::Primary, body).await
}

/// `DELETE /integrations/partner/v1/outlet-link` (spec §3.7).
#[utoipa::path(delete, path = "/integrations/partner/v1/outlet-link",
    tag = "Outlets", operation_id = "unlink_primary_outlet",
    summary = "Unlink the primary outlet (legacy)",
    description = "Removes the caller's links to the merchant user's primary outlet for both products.",
    security(("goauth" = ["partner:outlet:read"]), ("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Unlinked (or was not linked)", body = Success<Empty>),
        (status = 404, description = "The user has no primary outlet (`User has no primary outlet`), or it no longer exists", body = Failure),
        (status = 409, description = "The caller is a direct-integration partner", body = Failure),
    ))]
async fn unlink_primary(State(state): State<AppState>, Partner(who): Partner) -> ApiResult {
    state
        .services
        .user_link(&who, LinkTarget::Primary, LinkAction::Unlink)
        .await?;
    Ok(ok(Empty {}))
}

/// `PATCH|PUT /integrations/gofood/outlets/{outlet_id}/v1/properties` (spec §3.8).
#[utoipa::path(method(patch, put), path = "/integrations/gofood/outlets/{outlet_id}/v1/properties",
    tag = "Outlets", operation_id = "update_outlet_properties",
    summary = "Open or close the outlet",
    description = "Closes (`force_close: true`) or reopens the outlet on GoFood, as the merchant user behind an `authorization_code` token (role `owner` or `manager`); the outlet must be linked for `gofood`. While closed the simulator refuses new orders; placed orders are unaffected. No webhook. Echoes the state. `PUT` is an alias of `PATCH`.",
    params(OutletParams),
    request_body = PropertiesBody,
    security(("goauth" = ["gofood:outlet:write"])),
    responses(
        (status = 200, description = "The outlet's state", body = Success<OutletProperties>),
    ))]
async fn set_properties(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<PropertiesBody>,
) -> ApiResult {
    let outlet = state
        .services
        .set_force_close(&who, &outlet_id, body.map(|b| b.force_close))
        .await?;
    Ok(ok(OutletProperties {
        force_close: outlet.force_close,
    }))
}

/// `GET .../v1/properties`: the current properties (our superset).
#[utoipa::path(get, path = "/integrations/gofood/outlets/{outlet_id}/v1/properties",
    tag = "Outlets", operation_id = "get_outlet_properties",
    summary = "Get the outlet's properties",
    description = "Whether the outlet is closed on GoFood (our addition; GoBiz has only the update). The outlet must be linked for `gofood`.",
    params(OutletParams),
    security(("goauth" = ["gofood:outlet:write"]), ("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The outlet's state", body = Success<OutletProperties>),
    ))]
async fn get_properties(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let outlet = state.services.outlet_properties(&who, &outlet_id).await?;
    Ok(ok(OutletProperties {
        force_close: outlet.force_close,
    }))
}
