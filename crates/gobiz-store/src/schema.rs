//! Table and column names for the query builder. Keep in step with `migrations/`.

use sea_query::Iden;

/// `settings`: server-wide values kept across restarts (admin token, clock offset).
#[derive(Iden, Clone, Copy)]
pub enum Settings {
    Table,
    Key,
    Value,
}

/// `merchants`.
#[derive(Iden, Clone, Copy)]
pub enum Merchants {
    Table,
    Id,
    Name,
    CreatedAt,
}

/// `outlets`.
#[derive(Iden, Clone, Copy)]
pub enum Outlets {
    Table,
    Id,
    MerchantId,
    Name,
    Address,
    Email,
    Status,
    AcceptanceMode,
    ForceClose,
    QrisActive,
    GopayActive,
    MidtransActive,
    PopId,
    CreatedAt,
    UpdatedAt,
}

/// `users`.
#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    Id,
    Phone,
    Name,
    PrimaryOutletId,
    CreatedAt,
}

/// `user_roles`.
#[derive(Iden, Clone, Copy)]
pub enum UserRoles {
    Table,
    UserId,
    MerchantId,
    Role,
}

/// `partners`.
#[derive(Iden, Clone, Copy)]
pub enum Partners {
    Table,
    Id,
    Name,
    Kind,
    MerchantId,
    StandardWebhooks,
    ReadScopes,
    NotificationSecret,
    CreatedAt,
}

/// `oauth_clients`.
#[derive(Iden, Clone, Copy)]
pub enum OauthClients {
    Table,
    ClientId,
    PartnerId,
    Name,
    SecretHash,
    AllowedScopes,
    AllowedGrants,
    RedirectUris,
    IsPublic,
    RequirePkce,
    CreatedAt,
}

/// `access_tokens`.
#[derive(Iden, Clone, Copy)]
pub enum AccessTokens {
    Table,
    TokenHash,
    ClientId,
    PartnerId,
    Kind,
    Scopes,
    UserId,
    IssuedAt,
    ExpiresAt,
    RevokedAt,
    FamilyId,
}

/// `outlet_links`.
#[derive(Iden, Clone, Copy)]
pub enum OutletLinks {
    Table,
    PartnerId,
    OutletId,
    Product,
    ExternalOutletId,
    CreatedAt,
    UpdatedAt,
    LinkedAt,
}

/// `login_flows`.
#[derive(Iden, Clone, Copy)]
pub enum LoginFlows {
    Table,
    Id,
    BrowserHash,
    CsrfToken,
    ClientId,
    RedirectUri,
    Scopes,
    State,
    Nonce,
    CodeChallenge,
    Locale,
    Stage,
    Phone,
    UserId,
    OtpHash,
    OtpExpiresAt,
    OtpAttemptsLeft,
    AuthTime,
    CreatedAt,
    ExpiresAt,
}

/// `otp_messages`: what the built-in OTP sender "sent" (sandbox only).
#[derive(Iden, Clone, Copy)]
pub enum OtpMessages {
    Table,
    Phone,
    FlowId,
    Code,
    CreatedAt,
    ExpiresAt,
}

/// `auth_codes`.
#[derive(Iden, Clone, Copy)]
pub enum AuthCodes {
    Table,
    CodeHash,
    FamilyId,
    ClientId,
    RedirectUri,
    UserId,
    Scopes,
    Nonce,
    CodeChallenge,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

/// `refresh_tokens`.
#[derive(Iden, Clone, Copy)]
pub enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    ClientId,
    PartnerId,
    UserId,
    Scopes,
    AuthTime,
    IssuedAt,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
}

/// `signing_keys`.
#[derive(Iden, Clone, Copy)]
pub enum SigningKeys {
    Table,
    Kid,
    Alg,
    PrivatePem,
    PublicN,
    PublicE,
    CreatedAt,
    RetiredAt,
}

/// `subscriptions`.
#[derive(Iden, Clone, Copy)]
pub enum Subscriptions {
    Table,
    Id,
    PartnerId,
    OutletKey,
    Event,
    Url,
    Active,
    CreatedAt,
    UpdatedAt,
}

/// `chaos`: a partner's delivery chaos settings (sandbox).
#[derive(Iden, Clone, Copy)]
pub enum Chaos {
    Table,
    PartnerId,
    Config,
    Decisions,
    UpdatedAt,
}

/// `listeners`: the temporary receivers of `gobiz listen`.
#[derive(Iden, Clone, Copy)]
pub enum Listeners {
    Table,
    Id,
    PartnerId,
    OutletId,
    Events,
    ForwardTo,
    CreatedAt,
    SeenAt,
}

/// `events`: the outbox.
#[derive(Iden, Clone, Copy)]
pub enum Events {
    Table,
    Id,
    Name,
    OutletId,
    EntityId,
    RequestId,
    Payload,
    CreatedAt,
}

/// `deliveries`.
#[derive(Iden, Clone, Copy)]
pub enum Deliveries {
    Table,
    Id,
    EventId,
    SubscriptionId,
    PartnerId,
    EventName,
    EntityId,
    Endpoint,
    IdempotencyKey,
    Payload,
    Headers,
    Status,
    Retries,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    CreatedAt,
    UpdatedAt,
    ChaosSeq,
}

/// `delivery_attempts`.
#[derive(Iden, Clone, Copy)]
pub enum DeliveryAttempts {
    Table,
    DeliveryId,
    Seq,
    At,
    StatusCode,
    ExceptionMessage,
    Delivered,
    LatencyMs,
    ResponseBody,
}

/// `catalogs`.
#[derive(Iden, Clone, Copy)]
pub enum Catalogs {
    Table,
    OutletId,
    Document,
    ReadJson,
    Etag,
    PushedBy,
    UpdatedAt,
}

/// `catalog_mappings`.
#[derive(Iden, Clone, Copy)]
pub enum CatalogMappings {
    Table,
    OutletId,
    PartnerId,
    RequestId,
    Document,
    UpdatedAt,
}

/// `orders`.
#[derive(Iden, Clone, Copy)]
pub enum Orders {
    Table,
    OrderNumber,
    OutletId,
    Status,
    Document,
    TimerDueAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// `promotions`.
#[derive(Iden, Clone, Copy)]
pub enum Promotions {
    Table,
    Id,
    OutletId,
    ExternalMenuId,
    Document,
    CreatedAt,
}

/// `idempotency_keys`.
#[derive(Iden, Clone, Copy)]
pub enum IdempotencyKeys {
    Table,
    ClientId,
    OutletId,
    IdemKey,
    RequestHash,
    Response,
    CreatedAt,
}

/// `payment_transactions`.
#[derive(Iden, Clone, Copy)]
pub enum PaymentTransactions {
    Table,
    Id,
    OutletId,
    PartnerId,
    OrderId,
    ReferenceLabel,
    Status,
    Document,
    ExpiresAt,
    CreatedAt,
}

/// `moka_sequences`: integer ids of Moka objects.
#[derive(Iden, Clone, Copy)]
pub enum MokaSequences {
    Table,
    Name,
    NextValue,
}

/// `moka_sales`.
#[derive(Iden, Clone, Copy)]
pub enum MokaSales {
    Table,
    Id,
    Number,
    OutletId,
    TransactionTime,
    PaymentType,
    Gross,
    Refund,
    Redemption,
    Document,
    CreatedAt,
    UpdatedAt,
}

/// `moka_sale_lines`.
#[derive(Iden, Clone, Copy)]
pub enum MokaSaleLines {
    Table,
    SaleId,
    LineIndex,
    OutletId,
    TransactionTime,
    VariantId,
    Name,
    CategoryName,
    Quantity,
    RefundedQuantity,
    UnitGross,
    Discount,
    Redemption,
    Cogs,
}

/// `moka_sale_modifiers`.
#[derive(Iden, Clone, Copy)]
pub enum MokaSaleModifiers {
    Table,
    SaleId,
    LineIndex,
    Position,
    OutletId,
    TransactionTime,
    ModifierId,
    ModifierName,
    OptionId,
    OptionName,
    Price,
    Quantity,
    RefundedQuantity,
}

/// `moka_customers`.
#[derive(Iden, Clone, Copy)]
pub enum MokaCustomers {
    Table,
    Id,
    OutletId,
    Document,
    CreatedAt,
}

/// `moka_gratuities`.
#[derive(Iden, Clone, Copy)]
pub enum MokaGratuities {
    Table,
    Id,
    OutletId,
    Active,
    Document,
    CreatedAt,
}
