//! The language-neutral intermediate representation.
//!
//! `lower` turns a loaded OpenAPI document into an [`Api`]; every target reads only
//! this. Nothing here knows about any target language: names are the spec's own
//! words (targets apply their own case conventions and escaping), and every list is
//! in a deterministic order (spec order), never hash order.

use serde_json::Value;

/// The whole API, as every target sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Named types: `components/schemas` in spec order; a type hoisted from an inline
    /// schema follows the type it was found in.
    pub types: Vec<TypeDef>,
    /// Operations in spec order: paths in document order, methods in the order
    /// get, put, post, delete, options, head, patch, trace.
    pub operations: Vec<Operation>,
    /// `components/securitySchemes` in spec order.
    pub security_schemes: Vec<SecurityScheme>,
}

impl Api {
    /// The named type called `name`, if any.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// Whether values of `ty` are raw bytes: a `format: binary` string, written in
    /// place or through aliases. In a multipart body such a property (or the items
    /// of such an array property) is a file; in JSON it is an ordinary string.
    pub fn is_binary(&self, ty: &Ty) -> bool {
        let mut ty = ty;
        // Alias chains are finite (lowering refuses cycles); the bound is a guard.
        for _ in 0..=self.types.len() {
            match &ty.kind {
                TyKind::String(StringFormat::Binary) => return true,
                TyKind::Named(name) => match self.type_def(name).map(|t| &t.kind) {
                    Some(TypeDefKind::Alias(inner)) => ty = inner,
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// Whether the named type `name` is the schema of a multipart request body.
    /// Lowering makes sure that such a type with file properties is used nowhere
    /// else, so its `format: binary` properties are always files.
    pub fn is_multipart_body(&self, name: &str) -> bool {
        self.operations.iter().any(|op| {
            op.request_body.as_ref().is_some_and(|b| {
                b.encoding == BodyEncoding::Multipart && b.ty.kind == TyKind::Named(name.to_owned())
            })
        })
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The spec's name (`components/schemas` key), or for a hoisted inline schema the
    /// parent's name followed by the property name in PascalCase (`CrudEntry` + `op` ->
    /// `CrudEntryOp`). Unique within the API.
    pub name: String,
    pub description: Option<String>,
    /// `example`, if the schema has one.
    pub example: Option<Value>,
    /// JSON pointer of the schema in the spec, for messages.
    pub pointer: String,
    pub kind: TypeDefKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeDefKind {
    /// An object with known properties (`allOf` already merged in).
    Struct(StructDef),
    /// An enum: a string, integer or number that must be one of a list of values.
    Enum(EnumDef),
    /// A tagged union: `oneOf` + `discriminator`.
    Union(UnionDef),
    /// A named schema that is not an object, enum or union (an array, a constrained
    /// string, a map, ...).
    Alias(Ty),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Properties in spec order. When the struct is a union variant, the
    /// discriminator property is not here but in `tag`.
    pub fields: Vec<Field>,
    /// `additionalProperties` with a schema: the type of the values of the
    /// properties not listed in `fields`. `None`: unknown properties are accepted
    /// and ignored (forward compatibility), which is also the meaning of `true`/absent.
    pub additional_properties: Option<Ty>,
    /// Set when this struct is a variant of a tagged union: the discriminator
    /// property and the value that selects this variant.
    pub tag: Option<StructTag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StructTag {
    /// The discriminator property's wire name (`status`).
    pub property: String,
    /// The value that selects this struct (`success`).
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The wire name, exactly as in the spec.
    pub name: String,
    pub description: Option<String>,
    pub ty: Ty,
    /// Listed in the parent's `required`: the property must be present. Whether it
    /// may be `null` is `ty.nullable`, independently.
    pub required: bool,
    pub default: Option<Value>,
    pub example: Option<Value>,
    pub deprecated: bool,
    /// `x-per-item-validation: true` on an array property of a request body's
    /// schema: a server validates each item on its own, and an invalid item reaches
    /// the handler with its violations instead of making the whole request `400`.
    /// Lowering allows it nowhere else.
    pub per_item_validation: bool,
    /// JSON pointer of the property's schema in the spec.
    pub pointer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// The allowed values, in spec order, with their type. Never empty and without
    /// duplicates (lowering checks both). `null` is never among them: a nullable enum
    /// is nullable where it is used, as every named type is.
    pub values: EnumValues,
}

/// The values of an enum, all of one JSON type.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumValues {
    /// `type: string`.
    String(Vec<String>),
    /// `type: integer`: every value fits `format` (lowering checks it).
    Integer { format: IntFormat, values: Vec<i64> },
    /// `type: number`: the values exactly as written in the spec (`1` stays an
    /// integer, `0.5` a fraction), never equal to one another as numbers.
    Number {
        format: NumberFormat,
        values: Vec<serde_json::Number>,
    },
}

impl EnumValues {
    /// How many values there are.
    pub fn len(&self) -> usize {
        match self {
            EnumValues::String(v) => v.len(),
            EnumValues::Integer { values, .. } => values.len(),
            EnumValues::Number { values, .. } => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as JSON, in spec order.
    pub fn json(&self) -> Vec<Value> {
        match self {
            EnumValues::String(v) => v.iter().cloned().map(Value::String).collect(),
            EnumValues::Integer { values, .. } => values.iter().map(|&i| Value::from(i)).collect(),
            EnumValues::Number { values, .. } => {
                values.iter().cloned().map(Value::Number).collect()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// The discriminator property's wire name.
    pub discriminator: String,
    /// One variant per `oneOf` member, in spec order.
    pub variants: Vec<UnionVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The discriminator value that selects this variant: from `mapping`; else the
    /// one value of the variant's discriminator property when it is a one-value
    /// `enum`; else the schema name.
    pub tag: String,
    /// The variant's struct: a [`TypeDefKind::Struct`] whose `tag` is set.
    pub type_name: String,
}

/// A use of a type: in a field, an array item, a parameter, a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Ty {
    pub kind: TyKind,
    /// `nullable: true`: `null` is a valid value.
    pub nullable: bool,
    pub constraints: Constraints,
}

impl Ty {
    pub fn new(kind: TyKind) -> Self {
        Ty {
            kind,
            nullable: false,
            constraints: Constraints::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TyKind {
    Boolean,
    Integer(IntFormat),
    Number(NumberFormat),
    String(StringFormat),
    Array(Box<Ty>),
    /// An object whose property names are free and whose values all have this type.
    /// A free-form object (`type: object` with no properties) is `Map(Any)`.
    Map(Box<Ty>),
    /// Any JSON value (`{}`).
    Any,
    /// A named type, by [`TypeDef::name`].
    Named(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntFormat {
    /// `format: int32`.
    Int32,
    /// `format: int64`, and `integer` without a format.
    Int64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// `format: float`.
    Float,
    /// `format: double`, and `number` without a format.
    Double,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringFormat {
    Plain,
    DateTime,
    Date,
    Uuid,
    /// base64 (`format: byte`).
    Byte,
    /// Raw bytes (`format: binary`): a file in a multipart body, the whole body of a
    /// binary media type; a string like any other in JSON.
    Binary,
    /// Any other `format` value: carried for documentation, validated as a string.
    Other(String),
}

/// Validation keywords of one type use. Only the ones meaningful for the type's
/// kind are ever set (lowering rejects `minLength` on an integer, for example).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// An ECMA 262 regular expression, unanchored, as in JSON Schema.
    pub pattern: Option<String>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// Exactly as written in the spec (an integer bound stays an integer).
    pub value: serde_json::Number,
    pub exclusive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, unique within the API (lowering rejects duplicates and
    /// operations without one).
    pub id: String,
    pub method: Method,
    /// The path template as written (`/api/data`, `/items/{id}`).
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Path-level parameters merged with the operation's, in spec order.
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In the order of the spec's `responses` keys, `default` last if present.
    pub responses: Vec<Response>,
    /// The effective security requirement: the operation's own `security`, else the
    /// document's. Alternatives: satisfying any one entry is enough; an empty list
    /// means the operation needs no credentials.
    pub security: Vec<SecurityRequirement>,
    pub deprecated: bool,
    /// `callbacks`: requests the API makes to the client, in spec order.
    /// Documentation only: shown by the docs, no code.
    pub callbacks: Vec<Callback>,
    /// JSON pointer of the operation in the spec.
    pub pointer: String,
}

/// One `callbacks` entry of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// The entry's key (`onChange`).
    pub name: String,
    /// Its requests: (runtime expression of the URL, method, summary), in spec order.
    pub requests: Vec<CallbackRequest>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallbackRequest {
    /// The runtime expression the URL comes from (`{$request.body#/callbackUrl}`).
    pub expression: String,
    pub method: Method,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Upper-case HTTP name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub location: ParameterLocation,
    pub required: bool,
    pub description: Option<String>,
    pub ty: Ty,
    /// How the value is written in its location (`style` and `explode`, defaults
    /// applied). A scalar is the same text in every style; they differ for arrays.
    pub style: ParameterStyle,
}

/// The serialization of a parameter: OpenAPI's `style` and `explode`, reduced to
/// what changes the wire for the values a parameter can hold (scalars and arrays of
/// them). Lowering allows each style only where OpenAPI defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterStyle {
    /// `style: form, explode: true`, the default in the query and cookies: an array
    /// repeats the name, one pair per item (`?ids=1&ids=2`); an empty array sends
    /// nothing, as if absent.
    FormExploded,
    /// `style: form, explode: false` (query, cookie): one pair, the items
    /// comma-separated (`?ids=1,2`); an empty value is an empty array.
    Form,
    /// `style: simple`, the default in the path and headers, with either `explode`
    /// (the same for arrays): the items comma-separated (`1,2`).
    Simple,
    /// `style: spaceDelimited` (query, arrays, `explode: false`): one pair, the items
    /// space-separated (`?ids=1%202`).
    SpaceDelimited,
    /// `style: pipeDelimited` (query, arrays, `explode: false`): one pair, the items
    /// separated by `|` (`?ids=1|2`).
    PipeDelimited,
}

impl ParameterStyle {
    /// The default style of a location.
    pub fn default_for(location: ParameterLocation) -> ParameterStyle {
        match location {
            ParameterLocation::Query | ParameterLocation::Cookie => ParameterStyle::FormExploded,
            ParameterLocation::Path | ParameterLocation::Header => ParameterStyle::Simple,
        }
    }

    /// The character between the items of an array in its one value, as the
    /// decoded text has it; `None` when the name is repeated per item instead.
    pub fn separator(self) -> Option<char> {
        match self {
            ParameterStyle::FormExploded => None,
            ParameterStyle::Form | ParameterStyle::Simple => Some(','),
            ParameterStyle::SpaceDelimited => Some(' '),
            ParameterStyle::PipeDelimited => Some('|'),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub description: Option<String>,
    pub required: bool,
    /// The media type, exactly as written in the spec (parameters included). When
    /// the spec lists a JSON media type beside others, this is the JSON one and the
    /// others are not served.
    pub content_type: String,
    /// How the body travels, from its media type.
    pub encoding: BodyEncoding,
    /// The body's type. [`BodyEncoding::Form`] and [`BodyEncoding::Multipart`]: a
    /// named struct whose fields are scalars, string enums and arrays of these
    /// (multipart also files: `format: binary` strings and arrays of them).
    /// [`BodyEncoding::Text`]: a string (maybe a named alias or string enum).
    /// [`BodyEncoding::Binary`]: `string` with [`StringFormat::Binary`].
    pub ty: Ty,
}

/// How a body travels, decided by its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json` and `application/*+json`: the value as JSON.
    Json,
    /// `application/x-www-form-urlencoded` (request bodies only): one `name=value`
    /// pair per property, an array property as one pair per item.
    Form,
    /// `multipart/form-data` (request bodies only): one part per property value, as
    /// for a form; a file property's part carries the file's bytes.
    Multipart,
    /// Any other media type that is not text (`application/octet-stream`,
    /// `image/png`, ...): the body is raw bytes.
    Binary,
    /// `text/*` (`text/plain`, `text/csv`, ...): the body is a string, as UTF-8 text.
    Text,
}

impl BodyEncoding {
    /// The lower-case name used in messages and generated tables.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyEncoding::Json => "json",
            BodyEncoding::Form => "form",
            BodyEncoding::Multipart => "multipart",
            BodyEncoding::Binary => "binary",
            BodyEncoding::Text => "text",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: StatusCode,
    pub description: String,
    pub headers: Vec<ResponseHeader>,
    /// `None` for a response without content.
    pub body: Option<ResponseBody>,
    /// `links`: how this response's values feed other operations, in spec order.
    /// Documentation only: shown by the docs, no code.
    pub links: Vec<Link>,
}

/// One `links` entry of a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The entry's key.
    pub name: String,
    /// `operationId`, or else `operationRef` as written.
    pub operation: String,
    /// Whether `operation` is an `operationId` of this API.
    pub known_operation: bool,
    /// `parameters`: (parameter name, runtime expression or constant as JSON text).
    pub parameters: Vec<(String, String)>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    Code(u16),
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    pub name: String,
    pub description: Option<String>,
    pub required: bool,
    pub ty: Ty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseBody {
    /// As for [`RequestBody::content_type`].
    pub content_type: String,
    /// [`BodyEncoding::Json`], [`BodyEncoding::Text`] or [`BodyEncoding::Binary`].
    pub encoding: BodyEncoding,
    /// As for [`RequestBody::ty`].
    pub ty: Ty,
}

/// One alternative of an operation's security: every scheme listed must be satisfied.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityRequirement {
    pub schemes: Vec<SecurityUse>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityUse {
    /// The [`SecurityScheme::name`] used.
    pub scheme: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The `components/securitySchemes` key.
    pub name: String,
    pub description: Option<String>,
    pub kind: SecuritySchemeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecuritySchemeKind {
    /// A token sent as `Authorization: Bearer <token>`: `type: http, scheme: bearer`,
    /// and `oauth2` and `openIdConnect`, whose access tokens travel the same way
    /// (RFC 6750). Generated code carries the token and hands it to the
    /// application; obtaining one (the flows) is the application's business.
    Bearer {
        bearer_format: Option<String>,
        issuer: TokenIssuer,
    },
    /// `type: apiKey`.
    ApiKey {
        location: ParameterLocation,
        name: String,
    },
}

/// Where a bearer scheme's tokens come from, as the spec declares it (shown by the
/// docs; the generated code treats every bearer token alike).
#[derive(Debug, Clone, PartialEq)]
pub enum TokenIssuer {
    /// `type: http, scheme: bearer`: the spec does not say.
    Unspecified,
    /// `type: oauth2`: its flows, in spec order.
    OAuth2 { flows: Vec<OAuthFlow> },
    /// `type: openIdConnect`: the discovery document's URL.
    OpenIdConnect { url: String },
}

/// One `oauth2` flow.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthFlow {
    /// `implicit`, `password`, `clientCredentials` or `authorizationCode`.
    pub kind: String,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
    /// The flow's scopes with their descriptions, in spec order.
    pub scopes: Vec<(String, String)>,
}
