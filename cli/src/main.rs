//! `lifecert`: the command-line face of the core.
//!
//! It links neither certd nor the app: the whole journey against certd is
//! `lifecert-demo` (`src/demo.rs`). `lifecert statuses` walks sample pensioners from the seed notices through
//! the certification rules and prints what the home screen would show and say.

use clap::{Parser, Subcommand, ValueEnum};
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::*;
use std::path::PathBuf;
use std::process::ExitCode;

mod acceptance;
mod face_commands;

#[derive(Parser)]
#[command(
    name = "lifecert",
    version,
    about = "LifeCert: pension proof-of-life core"
)]
struct Cli {
    /// Language of the messages.
    #[arg(long, value_enum, default_value_t = Lang::ZhHans, global = true)]
    lang: Lang,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    ZhHans,
    ZhHant,
    En,
}

impl From<Lang> for Language {
    fn from(l: Lang) -> Self {
        match l {
            Lang::ZhHans => Language::ZhHans,
            Lang::ZhHant => Language::ZhHant,
            Lang::En => Language::En,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show the certification status of sample pensioners, as the home screen would.
    Statuses {
        /// The day to evaluate, YYYY-MM-DD (default: today in China).
        #[arg(long)]
        today: Option<String>,
    },
    /// Check a resident ID number and print what it says (JSON), or why it is wrong.
    CheckId { number: String },
    /// Face box, landmarks and picture quality of one photo, as JSON, plus an overlay PNG.
    Analyze {
        image: PathBuf,
        /// Where to write the overlay (default: IMAGE with `.overlay.png`).
        #[arg(long)]
        overlay: Option<PathBuf>,
    },
    /// Run a liveness challenge over a folder of frames (frame_NNN.png|jpg).
    /// Exits 0 only when the challenge passed.
    Liveness {
        #[arg(long)]
        frames: PathBuf,
        #[arg(long, default_value_t = 15.0)]
        fps: f32,
        /// Actions in order: blink, mouth, left, right, nod.
        #[arg(long, default_value = "blink,left,mouth")]
        challenge: String,
        /// Write the evidence JSON of a passed challenge here.
        #[arg(long)]
        evidence: Option<PathBuf>,
        /// Read and decode the frames, analyse none, and print the decoding
        /// times only (for bench/compare_mediapipe.sh's instruction counts).
        #[arg(long)]
        decode_only: bool,
    },
    /// The liveness figures: share of genuine clips (made from real photos,
    /// per action and condition) that pass, median time to pass, and share
    /// of attack clips rejected. Exits 0 only if every attack is rejected.
    Acceptance {
        /// The face fixtures folder (default: the repository's tests/fixtures/faces).
        #[arg(long)]
        fixtures: Option<PathBuf>,
        /// Only the conditions whose name contains this (or, comma-separated,
        /// any of these).
        #[arg(long)]
        only: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Language::from(cli.lang);
    match cli.command {
        Command::Statuses { today } => {
            let today = match today.as_deref().map(parse_day) {
                None => today_in_china(),
                Some(Some(d)) => d,
                Some(None) => {
                    eprintln!("--today takes a date like 2023-02-10");
                    return ExitCode::from(2);
                }
            };
            demo(today, lang)
        }
        Command::Analyze { image, overlay } => face_commands::analyze(&image, overlay),
        Command::Liveness {
            frames,
            fps,
            challenge,
            evidence,
            decode_only,
        } => face_commands::liveness(&frames, fps, &challenge, evidence, lang, decode_only),
        Command::Acceptance { fixtures, only } => acceptance::main(fixtures, only),
        Command::CheckId { number } => match parse_resident_id(number, today_in_china()) {
            Ok(id) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&id).expect("plain record")
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}", e.describe(lang).display);
                ExitCode::FAILURE
            }
        },
    }
}

fn parse_day(s: &str) -> Option<CalendarDate> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(CalendarDate::from_naive(d))
}

struct Sample {
    who: &'static str,
    id_number: &'static str,
    holder: BenefitHolder,
    policy: CertificationPolicy,
}

fn samples() -> Vec<Sample> {
    let d = CalendarDate::new;
    let ym = YearMonth::new;
    let beijing = CertificationPolicy {
        schedule: Schedule::Campaign {
            campaign: Campaign {
                opens: d(2023, 1, 1),
                closes: d(2023, 12, 31),
                scope_cutoff: d(2022, 12, 31),
            },
        },
        maintenance_days: vec![1, 2, 3],
    };
    let event = |date, method| Some(CertificationEvent { date, method });
    vec![
        Sample {
            who: "李秀英 (rolling, certified early)",
            id_number: "11010519491231002X",
            holder: BenefitHolder {
                benefit_start: ym(2018, 3),
                last_certification: event(d(2019, 2, 14), CertificationMethod::FaceOnline),
                eligibility_lost: None,
            },
            policy: CertificationPolicy::rolling(),
        },
        Sample {
            who: "王建国 (Beijing 2023, matched by big data)",
            id_number: "110108195303150917",
            holder: BenefitHolder {
                benefit_start: ym(2013, 4),
                last_certification: event(d(2023, 1, 9), CertificationMethod::BigData),
                eligibility_lost: None,
            },
            policy: beijing.clone(),
        },
        Sample {
            who: "阿依古丽·买买提 (Beijing 2023, started 2023: not in scope)",
            id_number: "650102196301150026",
            holder: BenefitHolder {
                benefit_start: ym(2023, 2),
                last_certification: None,
                eligibility_lost: None,
            },
            policy: beijing,
        },
        Sample {
            who: "张桂兰 (rolling, never certified since 2020)",
            id_number: "320102195208080042",
            holder: BenefitHolder {
                benefit_start: ym(2020, 6),
                last_certification: None,
                eligibility_lost: None,
            },
            policy: CertificationPolicy::rolling(),
        },
    ]
}

fn demo(today: CalendarDate, lang: Language) -> ExitCode {
    println!(
        "LifeCert demo — {}-{:02}-{:02} (China time)\n",
        today.year, today.month, today.day
    );
    let mut ok = true;
    for s in samples() {
        println!("● {}", s.who);
        match parse_resident_id(s.id_number.into(), today) {
            Ok(id) => println!("  ID {} · {:?} · age {}", id.number, id.gender, id.age),
            Err(e) => {
                ok = false;
                println!("  ID {}: {}", s.id_number, e.describe(lang).display)
            }
        }
        match certification_status(s.holder, s.policy, today, lang) {
            Ok(status) => {
                let due = status
                    .next_due
                    .map(|d| format!("{}-{:02}-{:02}", d.year, d.month, d.day))
                    .unwrap_or_else(|| "—".into());
                println!("  status {:?} · next due {due}", status.kind);
                for m in status.messages {
                    println!("  [{}] {}", m.key, m.display);
                    if m.speech != m.display {
                        println!("  (spoken) {}", m.speech);
                    }
                }
            }
            Err(e) => {
                ok = false;
                println!("  {}", e.describe(lang).display)
            }
        }
        println!();
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
