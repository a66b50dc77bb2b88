//! The docs target on a hand-built API that uses every IR feature.

use serde_json::json;

use super::DocsTarget;
use crate::ir::*;
use crate::targets::{Context, Target};

fn field(name: &str, ty: Ty, required: bool, description: &str) -> Field {
    Field {
        name: name.into(),
        description: (!description.is_empty()).then(|| description.into()),
        ty,
        required,
        default: None,
        example: None,
        deprecated: false,
        per_item_validation: false,
        pointer: format!("#/components/schemas/X/properties/{name}"),
    }
}

fn named(name: &str) -> Ty {
    Ty::new(TyKind::Named(name.into()))
}

fn string() -> Ty {
    Ty::new(TyKind::String(StringFormat::Plain))
}

fn type_def(name: &str, description: &str, kind: TypeDefKind) -> TypeDef {
    TypeDef {
        name: name.into(),
        description: (!description.is_empty()).then(|| description.into()),
        example: None,
        pointer: format!("#/components/schemas/{name}"),
        kind,
    }
}

fn strukt(fields: Vec<Field>, tag: Option<(&str, &str)>) -> TypeDefKind {
    TypeDefKind::Struct(StructDef {
        fields,
        additional_properties: None,
        tag: tag.map(|(property, value)| StructTag {
            property: property.into(),
            value: value.into(),
        }),
    })
}

/// A small API touching every IR feature the docs render.
pub(super) fn sample_api() -> Api {
    let mut transactions = Ty::new(TyKind::Array(Box::new(named("CrudEntry"))));
    transactions.constraints.min_items = Some(1);
    transactions.constraints.max_items = Some(50);
    let mut table = string();
    table.constraints.min_length = Some(1);
    table.constraints.pattern = Some("^[a-z_]+$|^\"quoted\"$".into());
    let mut op_id = Ty::new(TyKind::Integer(IntFormat::Int64));
    op_id.constraints.minimum = Some(Bound {
        value: 0.into(),
        exclusive: false,
    });
    let mut op_data = Ty::new(TyKind::Map(Box::new(Ty::new(TyKind::Any))));
    op_data.nullable = true;
    let mut ratio = Ty::new(TyKind::Number(NumberFormat::Double));
    ratio.constraints.minimum = Some(Bound {
        value: 0.into(),
        exclusive: true,
    });
    ratio.constraints.maximum = Some(Bound {
        value: 1.into(),
        exclusive: false,
    });
    let mut tags = Ty::new(TyKind::Array(Box::new(Ty {
        nullable: true,
        ..string()
    })));
    tags.constraints.unique_items = true;
    let mut limited = string();
    limited.constraints.min_length = Some(2);
    limited.constraints.max_length = Some(2);
    let mut counts = Ty::new(TyKind::Map(Box::new(Ty::new(TyKind::Integer(
        IntFormat::Int32,
    )))));
    counts.constraints.max_items = None;
    let mut deprecated = field("old", Ty::new(TyKind::Boolean), false, "Use `new` instead.");
    deprecated.deprecated = true;
    deprecated.default = Some(json!(false));
    deprecated.example = Some(json!(true));
    let mut amount = Ty::new(TyKind::Integer(IntFormat::Int32));
    amount.constraints.minimum = Some(Bound {
        value: 1.into(),
        exclusive: false,
    });
    amount.constraints.maximum = Some(Bound {
        value: 10.into(),
        exclusive: false,
    });

    Api {
        title: "Sample Write API".into(),
        version: "1.2.3".into(),
        description: Some("Uploads writes.\n\nSecond paragraph.\n".into()),
        types: vec![
            type_def(
                "WriteBatch",
                "A batch of writes.",
                strukt(
                    vec![
                        field(
                            "client_id",
                            string(),
                            false,
                            "The client | its id.\nSecond line.",
                        ),
                        field("transactions", transactions, true, "The entries."),
                        field("ratio", ratio, false, ""),
                        field("tags", tags, false, "Lines:\n- one\n- two"),
                        field("code", limited, false, ""),
                        field("counts", counts, false, ""),
                        field("amount", amount, false, ""),
                        field(
                            "stamp",
                            Ty::new(TyKind::String(StringFormat::DateTime)),
                            false,
                            "",
                        ),
                        field("anything", Ty::new(TyKind::Any), false, ""),
                        deprecated,
                    ],
                    None,
                ),
            ),
            type_def(
                "CrudEntry",
                "",
                TypeDefKind::Struct(StructDef {
                    fields: vec![
                        field("op", named("UpdateType"), true, ""),
                        field("table", table, true, "The table."),
                        field("op_id", op_id, false, ""),
                        field("op_data", op_data, false, "Column values."),
                    ],
                    additional_properties: Some(string()),
                    tag: None,
                }),
            ),
            type_def(
                "UpdateType",
                "What the entry does.",
                TypeDefKind::Enum(EnumDef {
                    values: EnumValues::String(vec!["PUT".into(), "PATCH".into(), "DELETE".into()]),
                }),
            ),
            type_def(
                "TransactionResult",
                "The outcome of one transaction.",
                TypeDefKind::Union(UnionDef {
                    discriminator: "status".into(),
                    variants: vec![
                        UnionVariant {
                            tag: "success".into(),
                            type_name: "TransactionSuccess".into(),
                        },
                        UnionVariant {
                            tag: "retryable_error".into(),
                            type_name: "Retry".into(),
                        },
                    ],
                }),
            ),
            type_def(
                "TransactionSuccess",
                "Applied. The client completes the transaction.",
                strukt(
                    vec![field("write_checkpoint", string(), false, "")],
                    Some(("status", "success")),
                ),
            ),
            type_def(
                "Retry",
                "Nothing applied.\nThe client keeps it queued | retries later.",
                strukt(vec![], Some(("status", "retryable_error"))),
            ),
            type_def(
                "Ids",
                "Row ids.",
                TypeDefKind::Alias(Ty::new(TyKind::Array(Box::new(string())))),
            ),
        ],
        operations: vec![
            Operation {
                id: "uploadData".into(),
                method: Method::Post,
                path: "/api/data".into(),
                summary: Some("Upload queued writes".into()),
                description: Some("Applies each transaction.".into()),
                tags: vec![],
                parameters: vec![Parameter {
                    name: "dry_run".into(),
                    location: ParameterLocation::Query,
                    required: false,
                    description: Some("Validate only.".into()),
                    ty: Ty::new(TyKind::Boolean),
                    style: ParameterStyle::FormExploded,
                }],
                request_body: Some(RequestBody {
                    description: Some("The batch.".into()),
                    required: true,
                    content_type: "application/json".into(),
                    encoding: BodyEncoding::Json,
                    ty: named("WriteBatch"),
                }),
                responses: vec![
                    Response {
                        status: StatusCode::Code(200),
                        description: "One result per transaction.".into(),
                        headers: vec![],
                        body: Some(ResponseBody {
                            content_type: "application/json".into(),
                            encoding: BodyEncoding::Json,
                            ty: Ty::new(TyKind::Array(Box::new(named("TransactionResult")))),
                        }),
                        links: vec![],
                    },
                    Response {
                        status: StatusCode::Code(429),
                        description: "Rate limited.".into(),
                        headers: vec![ResponseHeader {
                            name: "Retry-After".into(),
                            description: Some("Seconds to wait.".into()),
                            required: true,
                            ty: Ty::new(TyKind::Integer(IntFormat::Int32)),
                        }],
                        body: None,
                        links: vec![],
                    },
                    Response {
                        status: StatusCode::Default,
                        description: "Other error.".into(),
                        headers: vec![],
                        body: Some(ResponseBody {
                            content_type: "application/problem+json".into(),
                            encoding: BodyEncoding::Json,
                            ty: named("Ids"),
                        }),
                        links: vec![],
                    },
                ],
                security: vec![
                    SecurityRequirement {
                        schemes: vec![SecurityUse {
                            scheme: "bearerAuth".into(),
                            scopes: vec![],
                        }],
                    },
                    SecurityRequirement {
                        schemes: vec![SecurityUse {
                            scheme: "apiKey".into(),
                            scopes: vec!["write".into()],
                        }],
                    },
                ],
                deprecated: false,
                pointer: "#/paths/~1api~1data/post".into(),
                callbacks: vec![],
            },
            Operation {
                id: "health".into(),
                method: Method::Get,
                path: "/health".into(),
                summary: None,
                description: None,
                tags: vec![],
                parameters: vec![],
                request_body: None,
                responses: vec![Response {
                    status: StatusCode::Code(200),
                    description: "Alive.".into(),
                    headers: vec![],
                    body: None,
                    links: vec![],
                }],
                security: vec![],
                deprecated: true,
                pointer: "#/paths/~1health/get".into(),
                callbacks: vec![],
            },
        ],
        security_schemes: vec![
            SecurityScheme {
                name: "bearerAuth".into(),
                description: Some("A JWT from your auth provider.".into()),
                kind: SecuritySchemeKind::Bearer {
                    bearer_format: Some("JWT".into()),
                    issuer: TokenIssuer::Unspecified,
                },
            },
            SecurityScheme {
                name: "apiKey".into(),
                description: None,
                kind: SecuritySchemeKind::ApiKey {
                    location: ParameterLocation::Header,
                    name: "X-Api-Key".into(),
                },
            },
        ],
    }
}

fn context() -> Context {
    Context {
        spec_display_path: "spec/sample.yaml".into(),
        regenerate_command: "cargo xtask gen".into(),
        package_name: "sample-write-api".into(),
    }
}

fn render(api: &Api) -> String {
    let files = DocsTarget.generate(api, &context()).expect("docs render");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, std::path::Path::new("docs/README.md"));
    files[0].contents.clone()
}

#[test]
fn renders_every_ir_feature() {
    let md = render(&sample_api());
    if let Ok(dir) = std::env::var("DOCS_SAMPLE_OUT") {
        // For checking the sample with prettier by hand.
        let _ = std::fs::write(std::path::Path::new(&dir).join("sample.md"), &md);
    }
    let expected = [
        // header first, then title and description
        "<!-- Generated from spec/sample.yaml by `cargo xtask gen`. Do not edit",
        "# Sample Write API\n\nAPI version `1.2.3`.\n\nUploads writes.\n\nSecond paragraph.\n",
        // contents
        "- [Endpoints](#endpoints)\n  - [uploadData](#uploaddata): `POST /api/data`\n",
        // security
        "### bearerAuth\n\nHTTP bearer token: send `Authorization: Bearer <token>`. The token is a JWT.",
        "API key: send it in the header `X-Api-Key`.",
        "Accepted by: [uploadData](#uploaddata).",
        // operation
        "### uploadData\n\n`POST /api/data`\n\nUpload queued writes\n\nApplies each transaction.",
        "**Authentication**: any one of: [bearerAuth](#bearerauth); [apiKey](#apikey) (scopes: `write`).",
        "| `dry_run` | query | boolean | no       |             | Validate only. |",
        "**Request body** (required): [`WriteBatch`](#writebatch). The batch.",
        "| 200     | One result per transaction. | array of [`TransactionResult`](#transactionresult) |",
        "| 429     | Rate limited.               |",
        "| default | Other error.                | [`Ids`](#ids) as `application/problem+json`        |",
        "| 429    | `Retry-After` | integer (int32) | yes      | Seconds to wait. |",
        "### health\n\n`GET /health`\n\n**Deprecated.**\n\n**Authentication**: none.",
        // struct fields: escaping, constraints in words, links, nullable
        "| `client_id`",
        "The client \\| its id. Second line.",
        "| `transactions` | array of [`CrudEntry`](#crudentry)",
        "1..=50 items",
        "> 0, ≤ 1",
        "Lines:<br>- one<br>- two",
        "array of (string or null)",
        "unique items",
        "exactly 2 characters",
        "object of integer (int32)",
        "1..=10",
        "string (date-time)",
        "any JSON value",
        "**Deprecated.** Use `new` instead. Default: `false`. Example: `true`.",
        "| `op`      | [`UpdateType`](#updatetype) | yes      | no       |",
        "| `op_data` | object (any properties)     | no       | yes      | ",
        "at least 1 character, pattern `^[a-z_]+$\\|^\"quoted\"$`",
        "≥ 0",
        "Properties not listed above are allowed; their values are string.",
        // enum
        "A string, one of:\n\n- `PUT`\n- `PATCH`\n- `DELETE`\n",
        // union
        "One of the following objects, told apart by their `status` property:",
        "| `success`         | [`TransactionSuccess`](#transactionsuccess) | Applied. The client completes the transaction.                |",
        "| `retryable_error` | [`Retry`](#retry)                           | Nothing applied. The client keeps it queued \\| retries later. |",
        "Variant of [`TransactionResult`](#transactionresult), selected by `\"status\": \"success\"`.",
        "| `status`           | string | yes      | no       | always `success` | The discriminator. |",
        // alias
        "### Ids\n\nRow ids.\n\nType: array of string.\n",
    ];
    let missing: Vec<&&str> = expected.iter().filter(|e| !md.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "missing from the docs: {missing:#?}\n--- docs ---\n{md}"
    );
    assert!(md.starts_with("<!-- Generated from spec/sample.yaml"));
    assert!(md.ends_with("\n") && !md.ends_with("\n\n"));
    assert!(!md.contains("\n\n\n"), "no double blank lines:\n{md}");
}

#[test]
fn output_is_deterministic() {
    assert_eq!(render(&sample_api()), render(&sample_api()));
}

#[test]
fn repeated_heading_names_get_github_suffixes() {
    let mut api = sample_api();
    // An operation and a type whose headings slug the same: GitHub suffixes the later.
    api.operations[1].id = "Ids".into();
    let md = render(&api);
    assert!(md.contains("[Ids](#ids): `GET /health`"), "{md}");
    assert!(md.contains("[`Ids`](#ids-1)"), "{md}");
}

#[test]
fn an_empty_api_renders_title_only() {
    let api = Api {
        title: "Empty".into(),
        version: "0".into(),
        description: None,
        types: vec![],
        operations: vec![],
        security_schemes: vec![],
    };
    let md = render(&api);
    let header = context().header();
    assert_eq!(
        md,
        format!("<!-- {header} -->\n\n# Empty\n\nAPI version `0`.\n")
    );
}

/// The fields table of the struct `name` as the target builds it, before prettier.
fn fields_table(api: &Api, name: &str) -> String {
    let def = api.type_def(name).expect("the type");
    let view = super::type_view(def, api, &super::Anchors::new(api));
    view.fields.expect("a struct with fields").to_string()
}

#[test]
fn a_field_description_is_its_parts_one_space_apart() {
    let mut flag = field("flag", Ty::new(TyKind::Boolean), false, "");
    flag.deprecated = true;
    flag.default = Some(json!(true));
    let mut count = field(
        "count",
        Ty::new(TyKind::Integer(IntFormat::Int32)),
        false,
        "A backtick ` alone.",
    );
    count.default = Some(json!(0));
    let api = Api {
        title: "Fields".into(),
        version: "1".into(),
        description: None,
        types: vec![type_def("Row", "", strukt(vec![flag, count], None))],
        operations: vec![],
        security_schemes: vec![],
    };
    let table = fields_table(&api, "Row");
    assert!(
        table.contains("| **Deprecated.** Default: `true`. "),
        "{table}"
    );
    // The lone backtick stays literal next to the code span added after it.
    assert!(
        table.contains("| A backtick \\` alone. Default: `0`. |"),
        "{table}"
    );
    // And so after prettier.
    let md = render(&api);
    assert!(md.contains("**Deprecated.** Default: `true`."), "{md}");
    assert!(md.contains("A backtick \\` alone. Default: `0`."), "{md}");
}

#[test]
fn descriptions_stay_commonmark_as_prettier_writes_it() {
    let mut api = sample_api();
    api.description = Some("Some *emphasis* and a list:\n\n* one\n* two".into());
    let md = render(&api);
    assert!(
        md.contains("Some _emphasis_ and a list:\n\n- one\n- two\n"),
        "{md}"
    );
}
