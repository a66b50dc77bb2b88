//! Each language's server and client program: how to build it and how to start it.
//! Building is part of the run, so `cargo test -p conformance` needs only the
//! installed toolchains (`cargo xtask test`'s install steps).

use std::path::Path;

use crate::process::{CommandLine, output};

/// One language's conformance programs.
pub struct Language {
    pub name: &'static str,
    pub server: CommandLine,
    pub client: CommandLine,
    /// Commands that build the programs, run in order before either starts.
    pub build: Vec<CommandLine>,
}

/// The Rust programs are binaries of this crate, which cargo builds for the tests.
pub struct RustPrograms<'a> {
    pub server: &'a str,
    pub client: &'a str,
}

/// Every language, in a fixed order (the first is the one others are compared with).
pub fn all(rust: RustPrograms<'_>) -> Vec<Language> {
    let node = |script: &str| CommandLine::new("node", &[script]);
    vec![
        Language {
            name: "rust",
            server: CommandLine::new(rust.server, &[]),
            client: CommandLine::new(rust.client, &[]),
            build: Vec::new(),
        },
        Language {
            name: "typescript",
            server: node(TYPESCRIPT_SERVERS.node),
            client: node("tests/conformance/build/clients/typescript/client.js"),
            build: typescript_build(),
        },
        Language {
            name: "python",
            server: CommandLine::new(PYTHON, &["tests/conformance/servers/python/server.py"]),
            client: CommandLine::new(PYTHON, &["tests/conformance/clients/python/client.py"]),
            // Nothing to build: the test command's Python install made the virtualenv.
            build: Vec::new(),
        },
        Language {
            name: "go",
            server: CommandLine::new(GO_SERVER, &[]),
            client: CommandLine::new(GO_CLIENT, &[]),
            build: vec![
                go_build(GO_SERVER, "./servers/go"),
                go_build(GO_CLIENT, "./clients/go"),
            ],
        },
    ]
}

/// Builds the generated package (`dist/`) and the TypeScript programs
/// (`tests/conformance/build/`), which every runtime runs.
pub fn typescript_build() -> Vec<CommandLine> {
    vec![
        CommandLine::new("npm", &["run", "build", "-w", "powersync-write-api"]),
        CommandLine::new(
            "node",
            &[
                "node_modules/typescript/bin/tsc",
                "-p",
                "tests/conformance/tsconfig.json",
            ],
        ),
    ]
}

/// The TypeScript server program of each runtime, as built by [`typescript_build`].
pub struct TypeScriptServers {
    pub node: &'static str,
    pub deno: &'static str,
    pub bun: &'static str,
}

pub const TYPESCRIPT_SERVERS: TypeScriptServers = TypeScriptServers {
    node: "tests/conformance/build/servers/typescript/server.js",
    deno: "tests/conformance/build/servers/typescript/deno.js",
    bun: "tests/conformance/build/servers/typescript/bun.js",
};

/// The pinned Deno and Bun binaries: optional dependencies of the root
/// `package.json` (for linux-x64), installed by `npm ci`.
pub const DENO: &str = "node_modules/@deno/linux-x64-glibc/deno";
pub const BUN: &str = "node_modules/@oven/bun-linux-x64/bin/bun";

/// Deno's cache, inside the root's ignored `target/` folder: with
/// `--node-modules-dir=manual` and `--cached-only` nothing is downloaded into it.
const DENO_DIR: &str = "target/conformance/deno";

/// A JavaScript runtime and how it starts the TypeScript server program.
pub struct Runtime {
    pub name: &'static str,
    pub server: CommandLine,
}

/// The runtimes the TypeScript server is run on: Node, Deno and Bun, in that
/// order; fails, naming `npm ci`, when Deno's or Bun's binary is missing.
pub fn javascript_runtimes(root: &Path) -> anyhow::Result<Vec<Runtime>> {
    for binary in [DENO, BUN] {
        if !root.join(binary).is_file() {
            anyhow::bail!(
                "{binary} is missing: run `npm ci` at the repository root (Deno and Bun are \
                 optional dependencies of the root package.json, pinned for linux-x64 with \
                 glibc; the TypeScript package is tested on Node, Deno and Bun)"
            );
        }
    }
    let deno_dir = root.join(DENO_DIR).display().to_string();
    Ok(vec![
        Runtime {
            name: "node",
            server: CommandLine::new("node", &[TYPESCRIPT_SERVERS.node]),
        },
        Runtime {
            name: "deno",
            server: CommandLine::new(
                DENO,
                &[
                    "run",
                    "--no-lock",
                    "--node-modules-dir=manual",
                    "--cached-only",
                    "--allow-net=127.0.0.1",
                    "--allow-env=PORT",
                    TYPESCRIPT_SERVERS.deno,
                ],
            )
            .with_env("DENO_DIR", deno_dir)
            .with_env("DENO_NO_UPDATE_CHECK", "1"),
        },
        Runtime {
            name: "bun",
            server: CommandLine::new(BUN, &[TYPESCRIPT_SERVERS.bun])
                // No crash report leaves the machine.
                .with_env("DO_NOT_TRACK", "1"),
        },
    ])
}

/// The project's virtualenv's interpreter (`cargo xtask test`'s Python install).
const PYTHON: &str = ".venv/bin/python";

/// Where the Go programs are built (the root's ignored `target/` folder).
const GO_SERVER: &str = "target/conformance/go-server";
const GO_CLIENT: &str = "target/conformance/go-client";

/// `go build` of a package of the `tests/conformance` Go module, run from the root.
fn go_build(output: &str, package: &str) -> CommandLine {
    let output = format!("../../{output}");
    CommandLine::new(
        "go",
        &[
            "-C",
            "tests/conformance",
            "build",
            "-buildvcs=false",
            "-o",
            &output,
            package,
        ],
    )
}

/// Builds every language's programs.
pub async fn build(languages: &[Language], root: &Path) -> anyhow::Result<()> {
    for language in languages {
        for command in &language.build {
            output(language.name, command, &[], &[], root).await?;
        }
    }
    Ok(())
}
