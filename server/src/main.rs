//! `certd`: serve the API, or run an agency tool against the same data.

use certd::config::Config;
use certd::{agency, http, AppState};
use clap::{Parser, Subcommand};
use lifecert_domain::rules::date::china_offset;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "certd", about = "LifeCert reference certification server")]
struct Cli {
    /// TOML config file (see server/certd.example.toml).
    #[arg(long, global = true, env = "CERTD_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder: SQLite file and evidence store (unless the config names others).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Serve with a sample roster and template photos (for the app's demo);
    /// software device keys are accepted and marked `software`.
    Demo {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Import the roster: CSV with name,id_number,category,region,benefit_start.
    ImportRoster { csv: PathBuf },
    /// Enrol a template photo (建模) for a person.
    Enrol {
        #[arg(long)]
        id_number: String,
        #[arg(long)]
        photo: PathBuf,
    },
    /// Import big-data results: CSV with id_number,date,kind (alive|death|imprisonment|disappearance).
    ImportBigData { csv: PathBuf },
    /// The manual-review queue (JSON).
    Reviews,
    /// Decide one certification in the review queue.
    Decide {
        certification_id: String,
        #[arg(long, conflicts_with = "fail", required_unless_present = "fail")]
        pass: bool,
        #[arg(long)]
        fail: bool,
    },
    /// Approve a relative binding agreed at the counter.
    ApproveBinding {
        #[arg(long)]
        requester: String,
        #[arg(long)]
        relative: String,
    },
    /// Verify an account at the counter (the person showed their ID card):
    /// it may then bind relatives, agree to bindings and certify for others.
    VerifyAccount { id_number: String },
    /// Add a new receipt signing key (restart certd to sign with it; earlier
    /// keys stay published so earlier receipts keep verifying).
    RotateReceiptKey,
    /// Add a new evidence sealing key (restart certd to seal with it; earlier
    /// keys stay, so earlier evidence keeps opening).
    RotateEvidenceKey,
    /// Delete the evidence of certifications decided before the audit period
    /// (`evidence_retention_days`); certd also does this hourly while serving.
    PurgeEvidence,
    /// Print one certification's evidence, opened (for an auditor).
    Evidence { certification_id: String },
    /// Campaign report: counts of certified, due, overdue, stopped, in review (JSON).
    Report,
    /// Address, post code and phone changes made in the app (CSV, oldest
    /// first), for the counter staff to bring into the agency's records.
    ContactChanges {
        /// Only changes on or after this China date (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
    },
    /// Check a receipt scanned from a pensioner's phone (its one line,
    /// `LCR1.…`) against this agency's receipt keys, offline; prints its
    /// claims, or fails.
    VerifyReceipt { text: String },
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CERTD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Openapi = cli.command {
        println!("{}", http::openapi_json());
        return ExitCode::SUCCESS;
    }
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("certd: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(d) = cli.data {
        config.data = d;
    }
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match rt.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certd: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("plain data"));
}

async fn run(command: Command, mut config: Config) -> Result<(), String> {
    let listen = match &command {
        Command::Serve { listen } | Command::Demo { listen } => listen.clone(),
        _ => None,
    };
    if let Some(l) = listen {
        config.listen = l;
    }
    if let Command::RotateReceiptKey = command {
        // The key folder alone: no database, no models.
        let kid = certd::receipts::rotate(&certd::receipts::keys_dir(&config))?;
        eprintln!("certd: receipt key {kid} added; restart certd to sign with it");
        return Ok(());
    }
    if let Command::VerifyReceipt { text } = &command {
        // The key folder alone: no database, no network.
        let keys = certd::receipts::public_keys(&certd::receipts::keys_dir(&config))?;
        let receipt = lifecert_domain::api::Receipt::from_text(text)
            .ok_or("not a LifeCert receipt (it starts LCR1.)")?;
        let claims = lifecert_domain::api::verify_receipt_with(&receipt, &keys)
            .ok_or("NOT VALID: no receipt key of this agency signed it, or it was changed")?;
        print_json(&claims);
        return Ok(());
    }
    if let Command::RotateEvidenceKey = command {
        let kid = certd::seal::rotate(&certd::seal::keys_dir(&config))?;
        eprintln!("certd: evidence key {kid} added; restart certd to seal with it");
        return Ok(());
    }
    if matches!(command, Command::Demo { .. }) {
        // The demo runs on desktops and emulators with the app's software
        // key; its records say `software`. `serve` keeps the configured mode
        // (`required` unless the file says otherwise).
        config.attestation.mode = certd::config::AttestationMode::SoftwareAllowed;
    }
    let state = AppState::open(config.clone()).await?;
    let read =
        |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    match command {
        Command::Serve { .. } | Command::Demo { .. } => {
            if matches!(command, Command::Demo { .. }) {
                let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../tests/fixtures/faces");
                agency::seed_demo(&state, &fixtures).await?;
                eprintln!("certd: demo roster and template photos loaded");
            }
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .map_err(|e| format!("{}: {e}", config.listen))?;
            eprintln!(
                "certd: listening on http://{}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            tokio::spawn(certd::retention::purge_every_hour(state.clone()));
            certd::serve(state, listener)
                .await
                .map_err(|e| e.to_string())
        }
        Command::ImportRoster { csv } => {
            let n = agency::import_roster(&state, &read(&csv)?)
                .await
                .map_err(|e| e.join("\n"))?;
            eprintln!("certd: {n} people imported");
            Ok(())
        }
        Command::Enrol { id_number, photo } => {
            let bytes = std::fs::read(&photo).map_err(|e| format!("{}: {e}", photo.display()))?;
            agency::enrol(&state, &id_number, &bytes).await?;
            eprintln!("certd: template enrolled");
            Ok(())
        }
        Command::ImportBigData { csv } => {
            let n = agency::import_big_data(&state, &read(&csv)?)
                .await
                .map_err(|e| e.join("\n"))?;
            eprintln!("certd: {n} big-data records imported");
            Ok(())
        }
        Command::Reviews => {
            print_json(&agency::review_queue(&state).await?);
            Ok(())
        }
        Command::Decide {
            certification_id,
            pass,
            ..
        } => agency::decide(&state, &certification_id, pass).await,
        Command::ApproveBinding {
            requester,
            relative,
        } => agency::approve_binding(&state, &requester, &relative).await,
        Command::VerifyAccount { id_number } => {
            agency::verify_account(&state, &id_number).await?;
            eprintln!("certd: account verified");
            Ok(())
        }
        Command::PurgeEvidence => {
            let n = certd::retention::purge(&state, certd::db::now_ms()).await?;
            eprintln!("certd: evidence of {n} certifications deleted");
            Ok(())
        }
        Command::Evidence { certification_id } => {
            let bytes = certd::retention::evidence(&state, &certification_id).await?;
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| e.to_string())
        }
        Command::Report => {
            print_json(&agency::report(&state).await?);
            Ok(())
        }
        Command::ContactChanges { since } => {
            let since_ms = match since.as_deref() {
                None => 0,
                Some(day) => certd::people::parse_day(day)
                    .and_then(|d| d.to_naive())
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|t| t.and_local_timezone(china_offset()).single())
                    .map(|t| t.timestamp_millis())
                    .ok_or_else(|| format!("--since {day}: not a YYYY-MM-DD date"))?,
            };
            let changes = certd::contact::changes_since(&state, since_ms)
                .await
                .map_err(|e| e.to_string())?;
            print!("{}", certd::contact::to_csv(&changes));
            Ok(())
        }
        Command::Openapi => unreachable!("handled before the runtime starts"),
        Command::RotateReceiptKey | Command::RotateEvidenceKey | Command::VerifyReceipt { .. } => {
            unreachable!("handled before the state opens")
        }
    }
}
