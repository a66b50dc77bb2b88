//! Tests of the Rust target on hand-built IR: the PowerSync write API as the
//! contract describes it, and an API with awkward names (keywords, case clashes).

use super::RustTarget;
use crate::ir::*;
use crate::targets::{Context, GeneratedFile, Target};

fn ty(kind: TyKind) -> Ty {
    Ty::new(kind)
}

fn named(name: &str) -> Ty {
    ty(TyKind::Named(name.to_owned()))
}

fn string() -> Ty {
    ty(TyKind::String(StringFormat::Plain))
}

fn nullable(mut t: Ty) -> Ty {
    t.nullable = true;
    t
}

fn constrained(mut t: Ty, f: impl FnOnce(&mut Constraints)) -> Ty {
    f(&mut t.constraints);
    t
}

fn field(name: &str, ty: Ty, required: bool) -> Field {
    Field {
        name: name.to_owned(),
        description: None,
        ty,
        required,
        default: None,
        example: None,
        deprecated: false,
        per_item_validation: false,
        pointer: format!("#/x/{name}"),
    }
}

fn def(name: &str, kind: TypeDefKind) -> TypeDef {
    TypeDef {
        name: name.to_owned(),
        description: Some(format!("The {name}.")),
        example: None,
        pointer: String::new(),
        kind,
    }
}

fn object(name: &str, fields: Vec<Field>) -> TypeDef {
    def(
        name,
        TypeDefKind::Struct(StructDef {
            fields,
            additional_properties: None,
            tag: None,
        }),
    )
}

fn variant(name: &str, tag: &str, fields: Vec<Field>) -> TypeDef {
    let tag = Some(StructTag {
        property: "status".to_owned(),
        value: tag.to_owned(),
    });
    def(
        name,
        TypeDefKind::Struct(StructDef {
            fields,
            additional_properties: None,
            tag,
        }),
    )
}

fn json_body(t: Ty) -> Option<ResponseBody> {
    Some(ResponseBody {
        content_type: "application/json".to_owned(),
        encoding: BodyEncoding::Json,
        ty: t,
    })
}

fn response(code: u16, body: Option<ResponseBody>) -> Response {
    Response {
        status: StatusCode::Code(code),
        description: format!("Status {code}."),
        headers: Vec::new(),
        body,
        links: vec![],
    }
}

fn operation(id: &str, method: Method, path: &str) -> Operation {
    Operation {
        id: id.to_owned(),
        method,
        path: path.to_owned(),
        summary: Some(format!("The {id} operation.")),
        description: None,
        tags: Vec::new(),
        parameters: Vec::new(),
        request_body: None,
        responses: Vec::new(),
        security: Vec::new(),
        deprecated: false,
        pointer: String::new(),
        callbacks: vec![],
    }
}

fn bearer(scheme: &str) -> Vec<SecurityRequirement> {
    vec![SecurityRequirement {
        schemes: vec![SecurityUse {
            scheme: scheme.to_owned(),
            scopes: Vec::new(),
        }],
    }]
}

fn free_form() -> Ty {
    ty(TyKind::Map(Box::new(ty(TyKind::Any))))
}

fn int64() -> Ty {
    ty(TyKind::Integer(IntFormat::Int64))
}

/// The PowerSync write API as COMMON.md describes it, built by hand.
pub fn powersync_api() -> Api {
    let min1 = |t| constrained(t, |c| c.min_length = Some(1));
    let types = vec![
        object(
            "WriteBatch",
            vec![
                field("client_id", string(), false),
                field(
                    "transactions",
                    constrained(ty(TyKind::Array(Box::new(named("CrudTransaction")))), |c| {
                        c.min_items = Some(1);
                        c.max_items = Some(50);
                    }),
                    true,
                ),
            ],
        ),
        object(
            "CrudTransaction",
            vec![
                field("transaction_id", int64(), false),
                field(
                    "crud",
                    constrained(ty(TyKind::Array(Box::new(named("CrudEntry")))), |c| {
                        c.min_items = Some(1)
                    }),
                    true,
                ),
            ],
        ),
        object(
            "CrudEntry",
            vec![
                field("op", named("UpdateType"), true),
                field("table", min1(string()), true),
                field("id", min1(string()), true),
                field("op_id", int64(), false),
                field("transaction_id", int64(), false),
                field("op_data", nullable(free_form()), false),
                field("previous_values", nullable(free_form()), false),
                field("metadata", nullable(string()), false),
            ],
        ),
        def(
            "UpdateType",
            TypeDefKind::Enum(EnumDef {
                values: EnumValues::String(vec!["PUT".into(), "PATCH".into(), "DELETE".into()]),
            }),
        ),
        object(
            "WriteBatchResponse",
            vec![field(
                "results",
                ty(TyKind::Array(Box::new(named("TransactionResult")))),
                true,
            )],
        ),
        def(
            "TransactionResult",
            TypeDefKind::Union(UnionDef {
                discriminator: "status".into(),
                variants: [
                    ("success", "TransactionSuccess"),
                    ("retryable_error", "TransactionRetryableError"),
                    ("fatal_error", "TransactionFatalError"),
                    ("not_attempted", "TransactionNotAttempted"),
                ]
                .iter()
                .map(|(tag, name)| UnionVariant {
                    tag: (*tag).into(),
                    type_name: (*name).into(),
                })
                .collect(),
            }),
        ),
        variant(
            "TransactionSuccess",
            "success",
            vec![field("transaction_id", int64(), false)],
        ),
        variant(
            "TransactionRetryableError",
            "retryable_error",
            vec![
                field("error", named("FailedOperation"), true),
                field("retry_after_ms", int64(), false),
            ],
        ),
        variant(
            "TransactionFatalError",
            "fatal_error",
            vec![field("error", named("FailedOperation"), true)],
        ),
        variant("TransactionNotAttempted", "not_attempted", vec![]),
        object(
            "FailedOperation",
            vec![
                field("error_code", string(), true),
                field("message", string(), true),
                field("details", free_form(), false),
                field("operation_index", int64(), true),
            ],
        ),
        object(
            "ErrorResponse",
            vec![
                field("code", string(), true),
                field("message", string(), true),
                field(
                    "violations",
                    ty(TyKind::Array(Box::new(named("Violation")))),
                    false,
                ),
            ],
        ),
        object(
            "Violation",
            vec![
                field("path", string(), true),
                field("keyword", string(), true),
                field("message", string(), true),
            ],
        ),
        object("HealthStatus", vec![field("status", string(), true)]),
    ];
    let mut upload = operation("uploadData", Method::Post, "/api/data");
    upload.request_body = Some(RequestBody {
        description: Some("The batch.".into()),
        required: true,
        content_type: "application/json".into(),
        encoding: BodyEncoding::Json,
        ty: named("WriteBatch"),
    });
    let error = || json_body(named("ErrorResponse"));
    let mut too_many = response(429, error());
    too_many.headers.push(ResponseHeader {
        name: "Retry-After".into(),
        description: Some("Seconds to wait.".into()),
        required: false,
        ty: int64(),
    });
    upload.responses = vec![
        response(200, json_body(named("WriteBatchResponse"))),
        response(400, error()),
        response(401, error()),
        response(413, error()),
        response(415, error()),
        too_many,
        response(500, error()),
    ];
    upload.security = bearer("bearerAuth");
    let mut health = operation("health", Method::Get, "/health");
    health.responses = vec![response(200, json_body(named("HealthStatus")))];
    let mut ready = operation("ready", Method::Get, "/ready");
    ready.responses = vec![
        response(200, json_body(named("HealthStatus"))),
        response(503, json_body(named("HealthStatus"))),
    ];
    Api {
        title: "PowerSync Write API".into(),
        version: "1.0.0".into(),
        description: Some("Uploads queued local writes.".into()),
        types,
        operations: vec![upload, health, ready],
        security_schemes: vec![SecurityScheme {
            name: "bearerAuth".into(),
            description: None,
            kind: SecuritySchemeKind::Bearer {
                bearer_format: Some("JWT".into()),
                issuer: TokenIssuer::Unspecified,
            },
        }],
    }
}

/// An API whose names need every escape the target knows.
pub fn awkward_api() -> Api {
    let pattern = constrained(string(), |c| {
        c.pattern = Some("^[a-z]+$".into());
        c.max_length = Some(8);
    });
    let bounded = constrained(ty(TyKind::Integer(IntFormat::Int32)), |c| {
        c.minimum = Some(Bound {
            value: 0.into(),
            exclusive: false,
        });
        c.maximum = Some(Bound {
            value: 10.into(),
            exclusive: true,
        });
    });
    let types = vec![
        object(
            "self",
            vec![
                field("type", string(), true),
                field("match", nullable(string()), true),
                field("self", ty(TyKind::Any), false),
                field("Self", nullable(named("Option")), false),
                field("op-data", pattern, false),
                field("opData", bounded, false),
                field("2fa", ty(TyKind::Number(NumberFormat::Float)), false),
                field(
                    "children",
                    ty(TyKind::Array(Box::new(named("self")))),
                    false,
                ),
                field("parent", nullable(named("self")), false),
                field(
                    "tags",
                    constrained(ty(TyKind::Array(Box::new(string()))), |c| {
                        c.unique_items = true
                    }),
                    false,
                ),
                field(
                    "scores",
                    ty(TyKind::Map(Box::new(ty(TyKind::Number(
                        NumberFormat::Double,
                    ))))),
                    false,
                ),
                field("ok", ty(TyKind::Boolean), false),
            ],
        ),
        def(
            "Option",
            TypeDefKind::Enum(EnumDef {
                values: EnumValues::String(vec![
                    "".into(),
                    "self".into(),
                    "a-b".into(),
                    "A_B".into(),
                    "1".into(),
                ]),
            }),
        ),
        def(
            "option",
            TypeDefKind::Alias(ty(TyKind::Array(Box::new(named("Option"))))),
        ),
        def(
            "Type",
            TypeDefKind::Struct(StructDef {
                fields: vec![field("kind", string(), true)],
                additional_properties: Some(ty(TyKind::Integer(IntFormat::Int64))),
                tag: None,
            }),
        ),
        def(
            "Shape",
            TypeDefKind::Union(UnionDef {
                discriminator: "kind".into(),
                variants: vec![
                    UnionVariant {
                        tag: "self".into(),
                        type_name: "Circle".into(),
                    },
                    UnionVariant {
                        tag: "two words".into(),
                        type_name: "Square".into(),
                    },
                ],
            }),
        ),
        def(
            "Circle",
            TypeDefKind::Struct(StructDef {
                fields: vec![field("r", ty(TyKind::Number(NumberFormat::Double)), true)],
                additional_properties: None,
                tag: Some(StructTag {
                    property: "kind".into(),
                    value: "self".into(),
                }),
            }),
        ),
        def(
            "Square",
            TypeDefKind::Struct(StructDef {
                fields: vec![
                    field("side", int64(), true),
                    field("inner", named("Shape"), false),
                ],
                additional_properties: None,
                tag: Some(StructTag {
                    property: "kind".into(),
                    value: "two words".into(),
                }),
            }),
        ),
        def("Anything", TypeDefKind::Alias(ty(TyKind::Any))),
    ];
    let mut get = operation("get-item", Method::Get, "/items/{item id}/{type}");
    get.parameters = vec![
        Parameter {
            name: "item id".into(),
            location: ParameterLocation::Path,
            required: true,
            description: None,
            ty: int64(),
            style: ParameterStyle::default_for(ParameterLocation::Path),
        },
        Parameter {
            name: "type".into(),
            location: ParameterLocation::Path,
            required: true,
            description: None,
            ty: named("Option"),
            style: ParameterStyle::default_for(ParameterLocation::Path),
        },
        Parameter {
            name: "limit".into(),
            location: ParameterLocation::Query,
            required: false,
            description: None,
            ty: int64(),
            style: ParameterStyle::default_for(ParameterLocation::Query),
        },
        Parameter {
            name: "X-Trace".into(),
            location: ParameterLocation::Header,
            required: false,
            description: None,
            ty: string(),
            style: ParameterStyle::default_for(ParameterLocation::Header),
        },
    ];
    let mut not_found = response(404, None);
    not_found.headers.push(ResponseHeader {
        name: "X-Reason".into(),
        description: None,
        required: true,
        ty: string(),
    });
    get.responses = vec![
        response(200, json_body(named("self"))),
        not_found,
        Response {
            status: StatusCode::Default,
            description: "Anything else.".into(),
            headers: Vec::new(),
            body: json_body(named("Type")),
            links: vec![],
        },
    ];
    get.security = vec![
        SecurityRequirement {
            schemes: vec![SecurityUse {
                scheme: "key".into(),
                scopes: Vec::new(),
            }],
        },
        SecurityRequirement {
            schemes: vec![SecurityUse {
                scheme: "jwt".into(),
                scopes: Vec::new(),
            }],
        },
    ];
    let mut put = operation("get_item", Method::Put, "/items/{item id}/{type}");
    put.parameters = get.parameters.clone();
    put.request_body = Some(RequestBody {
        description: None,
        required: false,
        content_type: "application/merge-patch+json".into(),
        encoding: BodyEncoding::Json,
        ty: ty(TyKind::Array(Box::new(named("Shape")))),
    });
    put.responses = vec![response(204, None)];
    let mut new = operation("new", Method::Post, "/new");
    new.request_body = Some(RequestBody {
        description: None,
        required: true,
        content_type: "application/json".into(),
        encoding: BodyEncoding::Json,
        ty: ty(TyKind::Any),
    });
    new.responses = vec![response(
        201,
        json_body(ty(TyKind::Array(Box::new(string())))),
    )];
    Api {
        title: "Self".into(),
        version: "v2".into(),
        description: None,
        types,
        operations: vec![get, put, new],
        security_schemes: vec![
            SecurityScheme {
                name: "key".into(),
                description: None,
                kind: SecuritySchemeKind::ApiKey {
                    location: ParameterLocation::Header,
                    name: "X-Api-Key".into(),
                },
            },
            SecurityScheme {
                name: "jwt".into(),
                description: None,
                kind: SecuritySchemeKind::Bearer {
                    bearer_format: None,
                    issuer: TokenIssuer::Unspecified,
                },
            },
        ],
    }
}

pub fn context(package: &str) -> Context {
    Context {
        spec_display_path: "spec/powersync-write.yaml".into(),
        regenerate_command: "cargo xtask gen".into(),
        package_name: package.into(),
    }
}

fn generate(api: &Api, package: &str) -> Vec<GeneratedFile> {
    match RustTarget.generate(api, &context(package)) {
        Ok(files) => files,
        Err(e) => panic!("{e}"),
    }
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    files
        .iter()
        .find(|f| f.path.to_str() == Some(path))
        .map(|f| f.contents.as_str())
        .unwrap_or_default()
}

#[test]
fn every_file_starts_with_the_header() {
    let files = generate(&powersync_api(), "powersync-write-api");
    let header = context("x").header();
    let paths: Vec<_> = files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "rust/Cargo.toml",
            "rust/rustfmt.toml",
            "rust/src/lib.rs",
            "rust/src/models.rs",
            "rust/src/validation.rs",
            "rust/src/operations.rs",
            "rust/src/server.rs",
            "rust/src/client.rs",
            "rust/src/strategies.rs",
        ]
    );
    for f in &files {
        let first = f.contents.lines().next().unwrap_or_default();
        assert!(first.contains(&header), "{}: {first}", f.path.display());
    }
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        generate(&powersync_api(), "a"),
        generate(&powersync_api(), "a")
    );
}

#[test]
fn models_follow_the_wire_names_and_optionality() {
    let files = generate(&powersync_api(), "powersync-write-api");
    let models = file(&files, "rust/src/models.rs");
    assert!(models.contains("pub struct CrudEntry"));
    assert!(
        models.contains("pub op_data: Option<Option<serde_json::Map<String, serde_json::Value>>>")
    );
    assert!(models.contains("deserialize_with = \"deserialize_some\""));
    assert!(models.contains("#[serde(tag = \"status\")]"));
    assert!(models.contains("Success(TransactionSuccess)"));
    let manifest = file(&files, "rust/Cargo.toml");
    assert!(manifest.contains("name = \"powersync-write-api\""));
    assert!(!manifest.contains("[workspace]"));
}

#[test]
fn server_and_client_name_things_after_the_spec() {
    let files = generate(&powersync_api(), "powersync-write-api");
    let server = file(&files, "rust/src/server.rs");
    assert!(server.contains("pub trait PowerSyncWriteApi"));
    assert!(server.contains("type Principal"));
    let operations = file(&files, "rust/src/operations.rs");
    assert!(operations.contains("TooManyRequests {"));
    assert!(operations.contains("retry_after: Option<i64>"));
    let client = file(&files, "rust/src/client.rs");
    assert!(client.contains("pub async fn upload_data"));
}

#[test]
fn awkward_names_are_escaped_and_unique() {
    let files = generate(&awkward_api(), "awkward-api");
    let models = file(&files, "rust/src/models.rs");
    assert!(models.contains("pub struct SelfModel"), "{models}");
    assert!(models.contains("pub r#type: String"));
    assert!(models.contains("pub r#match: Option<String>"));
    assert!(models.contains("pub self_: Option<serde_json::Value>"));
    assert!(models.contains("#[serde(rename = \"self\")]"));
    assert!(models.contains("pub op_data_2: Option<i32>"));
    assert!(models.contains("pub parent: Option<Option<Box<SelfModel>>>"));
    assert!(models.contains("pub enum OptionModel"));
    assert!(models.contains("pub struct OptionModel2(pub Vec<OptionModel>)"));
    let server = file(&files, "rust/src/server.rs");
    assert!(server.contains("pub trait SelfService"));
    let client = file(&files, "rust/src/client.rs");
    assert!(client.contains("pub async fn get_item_2"));
    assert!(client.contains("pub async fn new_2"));
}

#[test]
fn unsupported_ir_is_an_error_not_a_panic() {
    let mut api = powersync_api();
    api.operations[0].security = vec![SecurityRequirement {
        schemes: vec![
            SecurityUse {
                scheme: "bearerAuth".into(),
                scopes: vec![],
            },
            SecurityUse {
                scheme: "other".into(),
                scopes: vec![],
            },
        ],
    }];
    let err = RustTarget
        .generate(&api, &context("x"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("exactly one scheme"), "{err}");

    let mut api = powersync_api();
    api.types
        .push(def("Broken", TypeDefKind::Alias(named("Missing"))));
    let err = RustTarget
        .generate(&api, &context("x"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("unknown type `Missing`"), "{err}");

    let mut api = powersync_api();
    api.types.push(def(
        "Empty",
        TypeDefKind::Enum(EnumDef {
            values: EnumValues::String(vec![]),
        }),
    ));
    assert!(RustTarget.generate(&api, &context("x")).is_err());

    let mut api = powersync_api();
    api.operations[1].responses.push(response(1000, None));
    assert!(RustTarget.generate(&api, &context("x")).is_err());
}

#[test]
fn patterns_and_bounds_reach_the_validator() {
    let files = generate(&awkward_api(), "awkward-api");
    let validation = file(&files, "rust/src/validation.rs");
    assert!(validation.contains("static PATTERN_0") && validation.contains("\"^[a-z]+$\""));
    assert!(validation.contains("Limit::Int(10)"));
    assert!(validation.contains("pub fn validate_self("));
}

/// The project's own spec, through the real loader and lowering.
#[test]
fn the_project_spec_renders() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/powersync-write.yaml");
    let spec = match crate::spec::load_file(&path) {
        Ok(spec) => spec,
        Err(e) => panic!("{e}"),
    };
    let api = match crate::lower::lower(&spec) {
        Ok(api) => api,
        Err(e) => panic!("{e}"),
    };
    let files = generate(&api, "powersync-write-api");
    let server = file(&files, "rust/src/server.rs");
    assert!(server.contains("fn upload_data("), "{server}");
}

#[test]
fn array_parameters_in_the_query_and_headers_render() {
    let array = |item: Ty| ty(TyKind::Array(Box::new(item)));
    let mut api = awkward_api();
    for op in &mut api.operations {
        for p in &mut op.parameters {
            match p.location {
                ParameterLocation::Query => p.ty = array(named("Option")),
                ParameterLocation::Header => p.ty = nullable(array(int64())),
                _ => {}
            }
        }
    }
    let files = generate(&api, "awkward-api");
    let server = file(&files, "rust/src/server.rs");
    assert!(server.contains("fn query_values"), "{server}");
    assert!(server.contains("fn header_items"), "{server}");
    assert!(server.contains("fn array_parameter"), "{server}");
    // A nullable array: `Option<Vec<_>>`, never `None` from the wire.
    assert!(server.contains(".map(Some)"), "{server}");
    let client = file(&files, "rust/src/client.rs");
    assert!(client.contains("fn texts"), "{client}");
    assert!(client.contains("fn delimited"), "{client}");
    // Repeated keys only: no helper of one comma-separated query value.
    assert!(!server.contains("fn delimited_items"), "{server}");
    assert!(!client.contains("fn append_delimited"), "{client}");

    // `explode: false` in the query, and an array in the path.
    for op in &mut api.operations {
        for p in &mut op.parameters {
            match p.location {
                ParameterLocation::Query => p.style = ParameterStyle::PipeDelimited,
                ParameterLocation::Path if p.name == "item id" => p.ty = array(int64()),
                _ => {}
            }
        }
    }
    let files = generate(&api, "awkward-api");
    let server = file(&files, "rust/src/server.rs");
    assert!(!server.contains("fn query_values"), "{server}");
    assert!(
        server.contains("delimited_items(&query, \"limit\", '|')"),
        "{server}"
    );
    assert!(
        server.contains("delimited_items(&path, \"item id\", ',')"),
        "{server}"
    );
    let client = file(&files, "rust/src/client.rs");
    assert!(
        client.contains("append_delimited(&mut url, \"limit\", value, '|')"),
        "{client}"
    );
    assert!(
        client.contains("path_list(&request.item_id, \"item id\")"),
        "{client}"
    );

    // Without array parameters, none of their helpers.
    let files = generate(&awkward_api(), "awkward-api");
    assert!(!file(&files, "rust/src/server.rs").contains("fn array_parameter"));
    assert!(!file(&files, "rust/src/client.rs").contains("fn texts"));
}

#[test]
fn nested_array_parameters_are_errors_not_panics() {
    let generate_err = |api: &Api| {
        RustTarget
            .generate(api, &context("x"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let mut api = awkward_api();
    api.operations[0].parameters[2].ty = ty(TyKind::Array(Box::new(ty(TyKind::Array(Box::new(
        string(),
    ))))));
    let err = generate_err(&api);
    assert!(err.contains("parameter `limit`"), "{err}");
}

#[test]
fn complexity_is_clippys_type_complexity_score() {
    use super::types::complexity;
    use quote::quote;
    // 10 per named type times its depth: Option 10, Vec 20, Option 30, BTreeMap 40,
    // String and Option 50 each, i64 60.
    assert_eq!(
        complexity(&quote!(
            Option<Vec<Option<std::collections::BTreeMap<String, Option<i64>>>>>
        )),
        260
    );
    assert_eq!(complexity(&quote!(String)), 10);
    assert_eq!(complexity(&quote!(Vec<(u32, u32)>)), 10 + 20 + 30 + 30);
    assert_eq!(complexity(&quote!(&[u8])), 1 + 10 + 20);
}

#[test]
fn a_type_too_complex_for_clippy_is_named_by_an_alias() {
    use super::names::Namespace;
    use super::types::Aliases;
    use quote::quote;
    let mut aliases = Aliases::new(Namespace::camel().reserve(&["RowNested"]));
    let option = |t: proc_macro2::TokenStream| quote!(Option<#t>);
    // 250 is clippy's threshold: not above it, written in place.
    let simple = quote!(Vec<Option<std::collections::BTreeMap<String, Option<Vec<i64>>>>>);
    assert_eq!(
        aliases
            .written("RowNested", "doc", simple.clone(), |t| t)
            .to_string(),
        simple.to_string()
    );
    assert!(aliases.take().is_empty());
    let complex = quote!(Vec<Option<std::collections::BTreeMap<String, Option<i64>>>>);
    assert_eq!(
        aliases
            .written("RowNested", "The type.", complex.clone(), option)
            .to_string(),
        quote!(Option<RowNested2>).to_string()
    );
    assert_eq!(
        aliases
            .take()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [quote!(#[doc = " The type."] pub type RowNested2 = #complex;).to_string()]
    );
}

#[test]
fn a_nullable_container_is_checked_in_one_if() {
    let row = object(
        "Row",
        vec![
            field(
                "tags",
                nullable(ty(TyKind::Array(Box::new(constrained(string(), |c| {
                    c.min_length = Some(1)
                }))))),
                false,
            ),
            field(
                "counts",
                nullable(ty(TyKind::Map(Box::new(int64())))),
                false,
            ),
        ],
    );
    let api = Api {
        title: "Nullable".into(),
        version: "1".into(),
        description: None,
        types: vec![row],
        operations: Vec::new(),
        security_schemes: Vec::new(),
    };
    let files = generate(&api, "nullable");
    // Laid out on one line, whatever the line breaks.
    let validation = file(&files, "rust/src/validation.rs")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for check in [
        "if !value.is_null() && let Some(items_0) = check_array(",
        "if !value.is_null() && let Some(object_0) = expect_object(",
    ] {
        assert!(validation.contains(check), "no `{check}` in {validation}");
    }
}
fn lowered(yaml: &str) -> Api {
    let spec = match crate::spec::load_str("test.yaml", yaml) {
        Ok(spec) => spec,
        Err(e) => panic!("{e}"),
    };
    match crate::lower::lower(&spec) {
        Ok(api) => api,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn non_json_bodies_bring_their_helpers_and_dependencies_only_when_used() {
    let api = lowered(
        "openapi: 3.0.3
info: {title: Files, version: 1.0.0}
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                data: {type: string, format: binary}
      responses:
        '200':
          description: The spec's own File.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/File'}
components:
  schemas:
    File:
      type: object
      properties:
        name: {type: string}
",
    );
    let files = generate(&api, "files");
    let models = file(&files, "rust/src/models.rs");
    // The crate's `File` keeps its name; the spec's is renamed.
    assert!(models.contains("pub struct File {"), "{models}");
    assert!(models.contains("pub struct FileModel {"), "{models}");
    assert!(models.contains("pub data: Option<File>,"), "{models}");
    let manifest = file(&files, "rust/Cargo.toml");
    assert!(manifest.contains("multer = \"3\""), "{manifest}");
    assert!(
        manifest.contains(r#"features = ["json", "multipart"]"#),
        "{manifest}"
    );
    assert!(!manifest.contains("form_urlencoded"), "{manifest}");
    let server = file(&files, "rust/src/server.rs");
    assert!(server.contains("fn multipart_body"), "{server}");
    assert!(!server.contains("fn form_body"), "{server}");

    let json_only = generate(&powersync_api(), "powersync-write-api");
    let manifest = file(&json_only, "rust/Cargo.toml");
    assert!(!manifest.contains("multer") && !manifest.contains("form_urlencoded"));
    assert!(!file(&json_only, "rust/src/server.rs").contains("fn raw_body"));
    assert!(!file(&json_only, "rust/src/models.rs").contains("pub struct File"));
}
