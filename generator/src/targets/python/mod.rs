//! The Python target: one package (`pyproject.toml`, src layout, `py.typed`) with
//! pydantic v2 models, a validator interpreter walking the shared schema table
//! (`schemas.json`, from [`crate::schema_table`]), per-operation request and
//! per-status response classes, a framework-free server core with a plain ASGI app
//! and a FastAPI router, and typed httpx clients (sync and async).
//!
//! The lowering here turns the IR into view structs (`models`, `operations`, names
//! from `names`); the askama templates in `templates/python/src/` hold the
//! spec-dependent files. What is the same for every spec is ordinary Python in
//! `templates/python/support/` (`SUPPORT`), tested there and copied verbatim after
//! the header. The last step runs the pinned ruff formatter over the package
//! (`ruff`), so the output passes `ruff format --check`.

mod models;
mod names;
pub(crate) mod operations;
pub mod ruff;

use askama::Template;

use self::names::{Names, doc_lines, string};
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::{Api, SecuritySchemeKind};

pub struct PythonTarget;

const NAME: &str = "python";

impl Target for PythonTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Python package: pydantic models, validation, ASGI and FastAPI server adapters, httpx client"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        python_package(name)
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        check(api)?;
        let names = Names::new(api);
        let header = ctx.header();
        let module = module_name(&ctx.package_name);
        let stem = names::api_stem(&api.title);
        let handler_name = format!("{stem}Handler");
        let client_name = format!("{stem}Client");
        let src = format!("src/{module}");

        let mut files = Vec::new();
        let mut add = |path: &str, contents: Result<String, askama::Error>| {
            let mut contents = contents.map_err(|e| TargetError {
                target: NAME,
                message: format!("rendering python/{path} failed: {e}"),
            })?;
            if !contents.is_empty() && !contents.ends_with('\n') {
                contents.push('\n');
            }
            files.push(GeneratedFile {
                path: format!("{NAME}/{path}").into(),
                contents,
            });
            Ok::<(), TargetError>(())
        };

        let ops: Vec<operations::OperationView> = api
            .operations
            .iter()
            .map(|op| operations::operation(&names, api, op))
            .collect();
        let secured = api.operations.iter().any(operations::secured);

        add(
            "pyproject.toml",
            Pyproject {
                header: header.clone(),
                package: ctx.package_name.clone(),
                version: api.version.clone(),
                description: string(&format!(
                    "{}: models, validation, server adapters and client generated from the OpenAPI spec.",
                    api.title
                )),
                module: module.clone(),
            }
            .render(),
        )?;
        let profile = crate::profile::write_path(api);
        let examples = has_examples(api, &module);
        add(
            "README.md",
            Readme {
                example_backend: examples.then_some(EXAMPLE_BACKEND),
                header: header.clone(),
                title: api.title.clone(),
                package: ctx.package_name.clone(),
                folder: NAME.into(),
                module: module.clone(),
                handler_name: handler_name.clone(),
                client_name: client_name.clone(),
                secured,
                per_item: ops.iter().any(|o| o.received.is_some()),
                example: profile.as_ref().map(|p| ReadmeExample {
                    upload: names.method(p.operation).to_string(),
                    upload_stem: names.stem(p.operation).to_string(),
                    transactions: names.field(p.batch, "transactions").to_string(),
                    response: names.type_name(p.response).to_string(),
                    results: names.field(p.response, "results").to_string(),
                }),
                first_scheme: api
                    .security_schemes
                    .first()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                first_method: ops
                    .first()
                    .map(|o| o.method.clone())
                    .unwrap_or_else(|| "close".into()),
                first_request: ops.first().is_some_and(|o| o.request.is_some()),
                first_schema: api
                    .types
                    .first()
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
            }
            .render(),
        )?;
        add(&format!("{src}/py.typed"), Ok(String::new()))?;
        add(
            &format!("{src}/schemas.json"),
            Ok(crate::schema_table::json_file(api)),
        )?;

        let view = models::render(api, &names);
        let mut model_names: Vec<String> = view.class_names.clone();
        model_names.extend(view.aliases.iter().map(|a| a.name.clone()));
        let body = ModelsBody {
            classes: &view.classes,
            aliases: &view.aliases,
            class_names: &view.class_names,
        }
        .render()
        .map_err(|e| TargetError {
            target: NAME,
            message: format!("rendering the models failed: {e}"),
        })?;
        let mut typing = Vec::new();
        for (name, used) in [
            ("Annotated", body.contains("Annotated[")),
            ("Any", contains_word(&body, "Any")),
            ("ClassVar", body.contains("ClassVar[")),
            ("Literal", body.contains("Literal[")),
            ("Optional", body.contains("Optional[")),
            ("TypeAlias", body.contains(": TypeAlias =")),
        ] {
            if used {
                typing.push(name);
            }
        }
        let mut pydantic = Vec::new();
        if body.contains("ConfigDict(") {
            pydantic.push("ConfigDict");
        }
        if body.contains("Field(") {
            pydantic.push("Field");
        }
        let wire = if view
            .classes
            .iter()
            .flat_map(|c| &c.fields)
            .any(|f| contains_word(&f.annotation, "File"))
        {
            "File, WireModel"
        } else {
            "WireModel"
        };
        let mut imports = String::new();
        if !typing.is_empty() {
            imports.push_str(&format!("from typing import {}\n", typing.join(", ")));
        }
        if !pydantic.is_empty() {
            imports.push_str(&format!("\nfrom pydantic import {}\n", pydantic.join(", ")));
        }
        add(
            &format!("{src}/models.py"),
            Ok(format!(
                "# {header}\n\"\"\"The models of {}: pydantic v2 models of the spec's JSON.\n\n\
                 Field names are snake_case; each reads and writes the spec's own property name.\n\
                 Unknown properties are ignored on input. An optional property left unset is not\n\
                 sent, and `None` is sent as `null` only where the schema is nullable. Values are\n\
                 not checked against the schema's constraints here: the server validates requests\n\
                 and the client validates replies with `validator.py`, which reports every\n\
                 violation.\n\"\"\"\n\nfrom __future__ import annotations\n\n{imports}\nfrom .wire import {wire}\n{body}",
                doc_safe(&api.title)
            )),
        )?;

        let op_body = OperationsBody {
            operations: &ops,
            security_schemes: operations::security_schemes(api),
        }
        .render()
        .map_err(|e| TargetError {
            target: NAME,
            message: format!("rendering the operations failed: {e}"),
        })?;
        let mut op_imports = vec!["from dataclasses import dataclass".to_string()];
        let mut typing = Vec::new();
        for (name, used) in [
            ("Any", contains_word(&op_body, "Any")),
            ("Literal", op_body.contains("Literal[")),
            ("Optional", op_body.contains("Optional[")),
            ("TypeAlias", op_body.contains(": TypeAlias =")),
        ] {
            if used {
                typing.push(name);
            }
        }
        if !typing.is_empty() {
            op_imports.push(format!("from typing import {}", typing.join(", ")));
        }
        if op_body.contains("TypeAdapter(") {
            op_imports.push("\nfrom pydantic import TypeAdapter".into());
        }
        op_imports.push(String::new());
        if op_body.contains("models.") {
            op_imports.push("from . import models".into());
        }
        if op_body.contains("DecodedRequest") {
            op_imports.push("from .serve import DecodedRequest, typed_items".into());
        }
        let mut specs = vec!["OperationSpec", "SecuritySchemeSpec"];
        for (name, used) in [
            ("BodySpec", op_body.contains("BodySpec(")),
            ("HeaderSpec", op_body.contains("HeaderSpec(")),
            ("ParameterSpec", op_body.contains("ParameterSpec(")),
            ("ResponseSpec", op_body.contains("ResponseSpec(")),
            ("SecurityUse", op_body.contains("SecurityUse(")),
        ] {
            if used {
                specs.push(name);
            }
        }
        specs.sort();
        op_imports.push(format!("from .specs import {}", specs.join(", ")));
        if op_body.contains("Checked[") {
            op_imports.push("from .validator import Checked".into());
        }
        add(
            &format!("{src}/operations.py"),
            Ok(format!(
                "# {header}\n\"\"\"Every operation of the spec: its typed request and one typed response per\n\
                 status, shared by the server handler and the clients, and the table\n\
                 (`OPERATIONS`) the server core and the client transport run on.\"\"\"\n\n\
                 from __future__ import annotations\n\n{}\n{op_body}",
                op_imports.join("\n")
            )),
        )?;

        let server_ops: Vec<ServerOp> = ops.iter().map(server_op).collect();
        let mut server_imports = vec![
            "from typing import Any, Protocol, TypeVar".to_string(),
            String::new(),
        ];
        if server_ops
            .iter()
            .any(|o| o.op.body_adapter.is_some() && o.op.received.is_none())
        {
            server_imports.push("from pydantic import TypeAdapter\n".into());
        }
        server_imports.push(format!(
            "from . import {}operations as ops",
            if ops
                .iter()
                .any(|o| o.body_adapter.is_some() && o.received.is_none())
            {
                "models, "
            } else {
                ""
            }
        ));
        server_imports.push("from .asgi import AsgiApp".into());
        let mut serve_names = vec![
            "AuthenticatedContext",
            "Core",
            "Credentials",
            "DecodedRequest",
            "Options",
            "Request",
            "Route",
        ];
        if server_ops.iter().any(|o| {
            o.handler_args.contains("RequestContext")
                && !o.handler_args.contains("AuthenticatedContext")
        }) {
            serve_names.push("RequestContext");
        }
        serve_names.sort();
        server_imports.push(format!("from .serve import {}", serve_names.join(", ")));
        add(
            &format!("{src}/server.py"),
            Server {
                header: header.clone(),
                module: module.clone(),
                handler_name: handler_name.clone(),
                handler_doc: doc_lines(&format!(
                    "The operations of {}, one async method per operation. Each gets its\n\
                     typed, already validated request and returns one of its typed responses.",
                    api.title
                )),
                imports: server_imports.join("\n"),
                handler_ref: if secured {
                    format!("{handler_name}[Any]")
                } else {
                    handler_name.clone()
                },
                secured,
                operations: &server_ops,
            }
            .render(),
        )?;
        let mut client_imports = vec![
            "from collections.abc import Mapping".to_string(),
            String::new(),
            "import httpx".into(),
            String::new(),
            "from . import operations as ops".into(),
            "from .transport import (\n    AsyncCredentialSource,\n    AsyncTransport,\n    CredentialSource,\n    InvalidRequest,\n    InvalidResponse,\n    Transport,\n    UnexpectedResponse,\n)".into(),
        ];
        client_imports.push(String::new());
        client_imports.push(
            "__all__ = [\n    \"Async".to_string()
                + &client_name
                + "\",\n    \""
                + &client_name
                + "\",\n    \"InvalidRequest\",\n    \"InvalidResponse\",\n    \"UnexpectedResponse\",\n]",
        );
        add(
            &format!("{src}/client.py"),
            Client {
                header: header.clone(),
                client_name: client_name.clone(),
                title_doc: doc_safe(&api.title),
                schemes_doc: if api.security_schemes.is_empty() {
                    "the spec has none".into()
                } else {
                    api.security_schemes
                        .iter()
                        .map(|s| format!("`{}`", doc_safe(&s.name)))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                imports: client_imports.join("\n"),
                operations: &server_ops,
            }
            .render(),
        )?;

        let mut operation_imports: Vec<String> = Vec::new();
        for o in &ops {
            if o.request.is_some() {
                operation_imports.push(format!("{}Request", o.stem));
            }
            if let Some(r) = &o.received {
                operation_imports.push(format!("{}ReceivedRequest", o.stem));
                operation_imports.push(r.class_name.clone());
            }
            operation_imports.push(format!("{}Response", o.stem));
            operation_imports.extend(o.responses.iter().map(|r| r.class_name.clone()));
        }
        let mut all: Vec<String> = vec![
            "DEFAULT_BODY_LIMIT",
            "MAX_VIOLATIONS",
            "AuthenticatedContext",
            "Checked",
            "Credentials",
            "File",
            "HttpRejection",
            "Invalid",
            "Options",
            "Request",
            "RequestContext",
            "Response",
            "Valid",
            "create_asgi_app",
            "create_core",
            "models",
            "operations",
            "validate",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        all.push(handler_name.clone());
        all.extend(model_names.iter().cloned());
        all.extend(operation_imports.iter().cloned());
        all.sort();
        all.dedup();
        add(
            &format!("{src}/__init__.py"),
            Init {
                header: header.clone(),
                title: doc_safe(&api.title),
                module: module.clone(),
                model_imports: model_names.join(", "),
                operation_imports: operation_imports.join(", "),
                handler_name: handler_name.clone(),
                all,
            }
            .render(),
        )?;
        for (path, contents) in SUPPORT {
            add(
                &format!("{src}/{path}"),
                Ok(format!("# {header}\n{contents}")),
            )?;
        }
        // The last step: the pinned ruff lays the Python out.
        ruff::format(&mut files, NAME)?;
        // The example is copied after it: it is laid out and its imports sorted with
        // the repository's ruff settings where it lives (this package's module is
        // first-party there), which the isolated run would undo.
        if examples {
            for (path, contents) in [
                (
                    EXAMPLE_BACKEND_PATH,
                    format!("# {header}\n{EXAMPLE_BACKEND}"),
                ),
                (EXAMPLE_REQUIREMENTS_PATH, EXAMPLE_REQUIREMENTS.to_string()),
            ] {
                files.push(GeneratedFile {
                    path: format!("{NAME}/{path}").into(),
                    contents,
                });
            }
        }
        // Then prettier lays out the Markdown, as for every target's README (the
        // schema table stays as `schema_table::json_file` prints it).
        let mut markdown: Vec<GeneratedFile> = Vec::new();
        files.retain(|f| {
            let md = f.path.extension().is_some_and(|e| e == "md");
            if md {
                markdown.push(f.clone());
            }
            !md
        });
        super::format::format(&mut markdown, NAME)?;
        files.extend(markdown);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

/// Whether `word` appears in `text` as a whole word.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '"')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `text` on one line, safe inside a docstring.
fn doc_safe(text: &str) -> String {
    doc_lines(text).join(" ")
}

/// The import name of the package: `powersync_write_api` for `powersync-write-api`.
pub fn module_name(package: &str) -> String {
    let mut name: String = package
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("p_{name}");
    }
    name
}

/// A Python distribution name (PEP 508): ASCII letters, digits, `.`, `-` and `_`,
/// starting and ending with a letter or digit.
fn python_package(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a Python package name cannot be empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "a Python package name has only ASCII letters, digits, `.`, `-` and `_`, and this one has `{c}`"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err("a Python package name starts and ends with a letter or digit".into());
    }
    Ok(())
}

/// Refuses what this target cannot serve yet, naming the operation.
fn check(api: &Api) -> Result<(), TargetError> {
    let refuse = |message: String| TargetError {
        target: NAME,
        message,
    };
    for op in &api.operations {
        let at = format!("{} `{}`", op.method.as_str(), op.path);
        if let Some(p) = op
            .parameters
            .iter()
            .find(|p| p.location == crate::ir::ParameterLocation::Cookie)
        {
            return Err(refuse(format!(
                "{at}: cookie parameter `{}`: the Python target does not support cookie \
                 parameters; send it as a header or query parameter",
                p.name
            )));
        }
    }
    for s in &api.security_schemes {
        if let SecuritySchemeKind::ApiKey { location, .. } = &s.kind
            && !matches!(
                location,
                crate::ir::ParameterLocation::Header | crate::ir::ParameterLocation::Query
            )
        {
            return Err(refuse(format!(
                "security scheme `{}`: the Python target does not support API keys in a cookie or path",
                s.name
            )));
        }
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "python/pyproject.toml.in", escape = "none")]
struct Pyproject {
    header: String,
    package: String,
    version: String,
    description: String,
    module: String,
}

struct ReadmeExample {
    upload: String,
    upload_stem: String,
    transactions: String,
    response: String,
    results: String,
}

#[derive(Template)]
#[template(path = "python/README.md", escape = "none")]
struct Readme {
    header: String,
    /// The example backend's source, shown in full.
    example_backend: Option<&'static str>,
    title: String,
    package: String,
    folder: String,
    module: String,
    handler_name: String,
    client_name: String,
    secured: bool,
    per_item: bool,
    example: Option<ReadmeExample>,
    first_scheme: String,
    first_method: String,
    first_request: bool,
    first_schema: String,
}

#[derive(Template)]
#[template(path = "python/src/__init__.py", escape = "none")]
struct Init {
    header: String,
    title: String,
    module: String,
    model_imports: String,
    operation_imports: String,
    handler_name: String,
    all: Vec<String>,
}

#[derive(Template)]
#[template(path = "python/src/models_body.py", escape = "none")]
struct ModelsBody<'a> {
    classes: &'a [models::ClassView],
    aliases: &'a [models::AliasView],
    class_names: &'a [String],
}

#[derive(Template)]
#[template(path = "python/src/operations_body.py", escape = "none")]
struct OperationsBody<'a> {
    operations: &'a [operations::OperationView],
    security_schemes: Vec<String>,
}

pub struct ServerOp<'a> {
    op: &'a operations::OperationView,
    handler_args: String,
    client_args: String,
    client_request: String,
    /// The body of the operation's `_invoke_*` function, by line.
    invoke: Vec<String>,
    /// `_BODY_X = TypeAdapter(...)`, the request body's decoder, when needed.
    adapter: Option<String>,
}

fn server_op(o: &operations::OperationView) -> ServerOp<'_> {
    let request_type = if o.received.is_some() {
        format!("{}ReceivedRequest", o.stem)
    } else {
        format!("{}Request", o.stem)
    };
    let context = if o.secured {
        "AuthenticatedContext[Principal]"
    } else {
        "RequestContext"
    };
    let adapter_name = format!("_BODY_{}", o.method.to_uppercase());
    let mut adapter = None;
    let mut invoke = Vec::new();
    if o.request.is_some() {
        let mut args = Vec::new();
        if o.has_body {
            let decode = if let Some(rb) = &o.received {
                format!("ops.{}.receive(decoded)", rb.class_name)
            } else if let Some(a) = &o.body_adapter {
                adapter = Some(format!("{adapter_name} = {a}"));
                format!("{adapter_name}.validate_python(decoded.body)")
            } else {
                "decoded.body".to_string()
            };
            if o.body_required {
                args.push(format!("body={decode}"));
            } else {
                args.push(format!("body=None if decoded.body is None else {decode}"));
            }
        }
        for (key, required) in o.parameter_keys.iter().zip(&o.parameter_required) {
            if *required {
                args.push(format!("{key}=decoded.params[{}]", string(key)));
            } else {
                args.push(format!("{key}=decoded.params.get({})", string(key)));
            }
        }
        invoke.push(format!("request = ops.{request_type}({})", args.join(", ")));
        invoke.push(format!(
            "return await handler.{}(request, context)",
            o.method
        ));
    } else {
        invoke.push(format!("return await handler.{}(context)", o.method));
    }
    ServerOp {
        handler_args: if o.request.is_some() {
            format!("request: ops.{request_type}, context: {context}")
        } else {
            format!("context: {context}")
        },
        client_args: if o.request.is_some() {
            format!("request: ops.{}Request, ", o.stem)
        } else {
            String::new()
        },
        client_request: if o.request.is_some() {
            "request"
        } else {
            "None"
        }
        .into(),
        invoke,
        adapter,
        op: o,
    }
}

#[derive(Template)]
#[template(path = "python/src/server.py", escape = "none")]
struct Server<'a> {
    header: String,
    module: String,
    handler_name: String,
    handler_doc: Vec<String>,
    imports: String,
    /// The handler type with its principal: `XHandler[Any]`, or `XHandler` for a
    /// spec without credentials (its protocol has no type parameter).
    handler_ref: String,
    secured: bool,
    operations: &'a [ServerOp<'a>],
}

#[derive(Template)]
#[template(path = "python/src/client.py", escape = "none")]
struct Client<'a> {
    header: String,
    client_name: String,
    title_doc: String,
    schemes_doc: String,
    imports: String,
    operations: &'a [ServerOp<'a>],
}

/// The support modules: Python that is the same for every spec, kept as ordinary
/// source in `templates/python/support/` (tested there) and copied verbatim after
/// the header. They reach the spec only through the generated modules' tables.
/// The example backend (FastAPI, psycopg 3): ordinary source in
/// `templates/python/examples/`, linted and type-checked there and as copied, copied
/// verbatim after the header, and shown in full in the README. Only for the packages
/// it compiles against: the write path of the main spec's names, under the module it
/// imports.
const EXAMPLE_BACKEND: &str =
    include_str!("../../../../templates/python/examples/fastapi_psycopg.py");
const EXAMPLE_BACKEND_PATH: &str = "examples/fastapi_psycopg.py";
/// The example's pinned requirements beside this package.
const EXAMPLE_REQUIREMENTS: &str =
    include_str!("../../../../templates/python/examples/requirements.txt");
const EXAMPLE_REQUIREMENTS_PATH: &str = "examples/requirements.txt";
/// The module the example imports.
const EXAMPLE_MODULE: &str = "powersync_write_api";

/// Whether the package gets the example backend.
fn has_examples(api: &Api, module: &str) -> bool {
    module == EXAMPLE_MODULE && crate::profile::fits_the_examples(api)
}

const SUPPORT: &[(&str, &str)] = &[
    (
        "asgi.py",
        include_str!("../../../../templates/python/support/asgi.py"),
    ),
    (
        "fastapi.py",
        include_str!("../../../../templates/python/support/fastapi.py"),
    ),
    (
        "multipart.py",
        include_str!("../../../../templates/python/support/multipart.py"),
    ),
    (
        "serve.py",
        include_str!("../../../../templates/python/support/serve.py"),
    ),
    (
        "specs.py",
        include_str!("../../../../templates/python/support/specs.py"),
    ),
    (
        "transport.py",
        include_str!("../../../../templates/python/support/transport.py"),
    ),
    (
        "validator.py",
        include_str!("../../../../templates/python/support/validator.py"),
    ),
    (
        "wire.py",
        include_str!("../../../../templates/python/support/wire.py"),
    ),
];

#[cfg(test)]
mod example_tests {
    use super::{EXAMPLE_BACKEND, EXAMPLE_BACKEND_PATH, EXAMPLE_REQUIREMENTS, PythonTarget};
    use crate::targets::{Context, Target};

    fn generate(spec: &str, package_name: &str) -> Vec<crate::targets::GeneratedFile> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let api = crate::load_and_lower(&root.join(spec)).expect("the spec lowers");
        let context = Context {
            spec_display_path: spec.into(),
            regenerate_command: "gen".into(),
            package_name: package_name.into(),
        };
        PythonTarget
            .generate(&api, &context)
            .expect("the target generates")
    }

    fn file<'a>(files: &'a [crate::targets::GeneratedFile], path: &str) -> Option<&'a str> {
        files
            .iter()
            .find(|f| f.path == std::path::Path::new("python").join(path))
            .map(|f| f.contents.as_str())
    }

    #[test]
    fn the_readme_shows_the_example_backend_exactly_as_copied() {
        let files = generate("spec/powersync-write.yaml", "powersync-write-api");
        let copy = file(&files, EXAMPLE_BACKEND_PATH).expect("the example is copied");
        let (header, body) = copy.split_once('\n').expect("a header line");
        assert!(header.starts_with("# Generated from"), "{header}");
        assert_eq!(body, EXAMPLE_BACKEND, "the copy is the template");
        let readme = file(&files, "README.md").expect("a README");
        assert!(
            readme.contains(&format!("```python\n{body}```")),
            "the README shows the example in full"
        );
    }

    #[test]
    fn no_example_where_it_would_not_compile() {
        let renamed = generate(
            "generator/tests/fixtures/features/renamed_write_path.yaml",
            "powersync-write-api",
        );
        assert!(file(&renamed, EXAMPLE_BACKEND_PATH).is_none());
        let other_name = generate("spec/powersync-write.yaml", "other-api");
        assert!(file(&other_name, EXAMPLE_BACKEND_PATH).is_none());
        assert!(
            !file(&other_name, "README.md")
                .unwrap()
                .contains("fastapi_psycopg")
        );
    }

    /// The example's requirements pin what the test command installs and tests it with.
    #[test]
    fn the_example_pins_the_versions_the_repository_tests() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let tested = std::fs::read_to_string(root.join("tests/python/requirements.txt"))
            .expect("tests/python/requirements.txt");
        let normal = |line: &str| -> Option<(String, String)> {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let (name, version) = line.split_once("==")?;
            let name = name.split('[').next().unwrap_or(name);
            Some((
                name.to_lowercase().replace('_', "-"),
                version.trim().to_string(),
            ))
        };
        let tested: Vec<_> = tested.lines().filter_map(normal).collect();
        let pinned: Vec<_> = EXAMPLE_REQUIREMENTS.lines().filter_map(normal).collect();
        assert!(!pinned.is_empty());
        for pin in &pinned {
            assert!(
                tested.contains(pin),
                "{pin:?} is not pinned in tests/python/requirements.txt"
            );
        }
    }
}
