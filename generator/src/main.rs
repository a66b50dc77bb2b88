//! `powersync-write-gen`: the generator's command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use powersync_write_gen::emit::{self, DriftKind};
use powersync_write_gen::{GenerateError, GenerateOptions, Generation, generate, targets};

#[derive(Parser)]
#[command(
    name = "powersync-write-gen",
    version,
    about = "Generates PowerSync write-path servers, clients and docs from one OpenAPI document",
    after_help = "Examples:\n  \
        powersync-write-gen gen --spec spec/powersync-write.yaml --out generated\n  \
        powersync-write-gen check --spec spec/powersync-write.yaml --out generated\n  \
        powersync-write-gen targets\n\n\
        Exit status: 0 success, 1 generated files out of date (check), 2 errors in the spec or \
        the command line, 3 other errors (I/O)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the selected targets into the output folder.
    ///
    /// Unchanged files are left alone and files a target no longer generates are
    /// removed from its folder (build folders such as target/ or node_modules/ are
    /// never touched).
    #[command(
        after_help = "Example:\n  powersync-write-gen gen --spec spec/powersync-write.yaml --out generated"
    )]
    Gen(GenArgs),
    /// Check that the output folder matches what `gen` would write (exit 1 if not).
    #[command(
        after_help = "Example:\n  powersync-write-gen check --spec spec/powersync-write.yaml --out generated --target docs"
    )]
    Check(GenArgs),
    /// List the available targets.
    #[command(after_help = "Example:\n  powersync-write-gen targets")]
    Targets,
}

#[derive(Args)]
struct GenArgs {
    /// The OpenAPI 3.0 document (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// The output folder; each target writes into its own sub-folder (OUT/rust, OUT/docs).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A target to run (repeat for several); default: every target.
    #[arg(long = "target", value_name = "NAME", value_parser = target_names())]
    targets: Vec<String>,
    /// The generated packages' name; default: derived from info.title
    /// ("PowerSync Write API" -> "powersync-write-api").
    #[arg(long, value_name = "NAME")]
    package_name: Option<String>,
    /// The command named in generated headers and drift messages as the way to
    /// regenerate; default: this `gen` invocation with its arguments.
    #[arg(long, value_name = "COMMAND", hide = true)]
    regenerate_command: Option<String>,
}

/// Lets clap reject an unknown target and list the known ones.
fn target_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(targets::all().iter().map(|t| t.name()))
}

impl GenArgs {
    fn options(&self) -> GenerateOptions {
        GenerateOptions {
            spec: self.spec.clone(),
            spec_display_path: self.spec.display().to_string(),
            targets: self.targets.clone(),
            package_name: self.package_name.clone(),
            regenerate_command: self.regenerate_command(),
        }
    }

    /// The command that regenerates the output: the one given, or the `gen`
    /// invocation with these arguments (shell-quoted where needed), which `gen` and
    /// `check` both name so that their headers agree.
    fn regenerate_command(&self) -> String {
        if let Some(command) = &self.regenerate_command {
            return command.clone();
        }
        let mut words = vec![
            "powersync-write-gen".to_owned(),
            "gen".to_owned(),
            "--spec".to_owned(),
            shell_word(&self.spec.display().to_string()),
            "--out".to_owned(),
            shell_word(&self.out.display().to_string()),
        ];
        for target in &self.targets {
            words.extend(["--target".to_owned(), shell_word(target)]);
        }
        if let Some(name) = &self.package_name {
            words.extend(["--package-name".to_owned(), shell_word(name)]);
        }
        words.join(" ")
    }
}

/// `word` as a POSIX shell reads it back: unchanged when it is plain, otherwise in
/// single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Gen(args) => run_gen(&args),
        Command::Check(args) => run_check(&args),
        Command::Targets => {
            let all = targets::all();
            let width = all.iter().map(|t| t.name().len()).max().unwrap_or(0);
            for target in all {
                println!("{:width$}  {}", target.name(), target.description());
            }
            ExitCode::SUCCESS
        }
    }
}

fn run_gen(args: &GenArgs) -> ExitCode {
    let generation = match generate_or_report(args) {
        Ok(generation) => generation,
        Err(code) => return code,
    };
    match emit::write(&args.out, &generation.files, &generation.targets) {
        Ok(report) => {
            for path in &report.written {
                println!("  wrote: {}", path.display());
            }
            for path in &report.removed {
                println!("  removed: {}", path.display());
            }
            println!(
                "{} written, {} unchanged, {} removed",
                report.written.len(),
                report.unchanged,
                report.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn run_check(args: &GenArgs) -> ExitCode {
    let generation = match generate_or_report(args) {
        Ok(generation) => generation,
        Err(code) => return code,
    };
    match emit::check(&args.out, &generation.files, &generation.targets) {
        Ok(drift) if drift.is_empty() => {
            println!("{} files up to date", generation.files.len());
            ExitCode::SUCCESS
        }
        Ok(drift) => {
            eprintln!("generated files are out of date:");
            for d in &drift {
                eprintln!("  {d}");
            }
            let stale = drift.iter().any(|d| d.kind == DriftKind::Stale);
            eprintln!(
                "run `{}` to regenerate{}",
                args.regenerate_command(),
                if stale {
                    " (it also removes the stale files)"
                } else {
                    ""
                }
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

/// Runs the pipeline; on failure prints why and returns the exit code.
fn generate_or_report(args: &GenArgs) -> Result<Generation, ExitCode> {
    generate(&args.options()).map_err(|e| match &e {
        GenerateError::Spec(diagnostics) => {
            eprintln!("{diagnostics}");
            let n = diagnostics.0.len();
            eprintln!(
                "error: {n} problem{} in the spec",
                if n == 1 { "" } else { "s" }
            );
            ExitCode::from(2)
        }
        GenerateError::PackageName { .. } => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        other => {
            eprintln!("error: {other}");
            ExitCode::from(3)
        }
    })
}
