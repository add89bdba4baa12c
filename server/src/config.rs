//! certd's configuration: a TOML file (optional), then `CERTD_*` environment
//! variables (`CERTD_LISTEN`, `CERTD_DATA`, `CERTD_DATABASE_URL`,
//! `CERTD_S3_BUCKET` + `CERTD_S3_ENDPOINT`, `CERTD_RECEIPT_KEYS`,
//! `CERTD_EVIDENCE_KEYS`, `CERTD_EVIDENCE_RETENTION_DAYS`, `CERTD_MODELS`,
//! `CERTD_ACCESS_TOKEN_TTL_S`), then command-line flags, each overriding the one before.

use lifecert_domain::rules::calendar::{Campaign, CertificationPolicy, Schedule};
use lifecert_domain::rules::date::CalendarDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    /// Folder for the SQLite file, the evidence store and nothing else.
    pub data: PathBuf,
    /// `postgres://...` to use PostgreSQL instead of `DATA/certd.db`.
    pub database_url: Option<String>,
    /// An S3-compatible bucket for evidence and templates instead of `DATA/objects`.
    pub s3: Option<S3Config>,
    /// Folder of receipt signing keys (default `DATA/receipt-keys`): outside
    /// the database; every certd of one agency reads the same keys.
    pub receipt_keys: Option<PathBuf>,
    /// Folder of the keys that seal evidence at rest (AES-256-GCM, default
    /// `DATA/evidence-keys`): outside the database and the bucket, shared by
    /// every certd of one agency.
    pub evidence_keys: Option<PathBuf>,
    /// Days a decided certification's evidence is kept (the audit period);
    /// then it is deleted and the record says when. Evidence under review is
    /// kept until decided.
    pub evidence_retention_days: u64,
    /// dlib models (see models/dlib/README.md).
    pub models: Option<PathBuf>,
    pub access_token_ttl_s: u64,
    pub refresh_token_ttl_s: u64,
    /// Minutes a challenge stays open: generous, nobody fails for being slow.
    pub challenge_minutes: u64,
    /// Seconds an upload holds its certification while it is judged; a hold
    /// older than this belongs to a certd that died mid-upload, and the
    /// phone's retry (same idempotency key) takes it over. A judgement takes
    /// about a second, queueing included well under a minute.
    pub upload_claim_lease_s: u64,
    /// A capture made with the screen colours turned off (photosensitivity)
    /// goes to a person instead of passing on its own.
    pub require_light_check: bool,
    /// Certification rules by region code (first 2, 4 or 6 digits of the
    /// person's region; the longest match wins), and `default`.
    pub policies: BTreeMap<String, PolicyConfig>,
    /// certd sits behind a reverse proxy: take the client's address from the
    /// last `X-Forwarded-For` entry (never set this when clients reach certd
    /// directly: they could then pick their own address).
    pub trust_forwarded_for: bool,
    /// Wrong passwords from one client, over all accounts, in 15 minutes.
    pub login_failures_per_client: i64,
    /// Wrong passwords for one account from all clients in a day; devices the
    /// owner has logged in with before are not held by this limit.
    pub login_failures_per_account: i64,
    /// Registrations that fail the name check (or find an account) from one
    /// client, and for one ID number, in a day.
    pub registration_failures: i64,
    /// Certifications one person may start (as subject, and as actor) in a day.
    pub certifications_per_day: i64,
    /// Device and app attestation at login.
    pub attestation: AttestationConfig,
}

/// `[attestation]`: which device keys certd believes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttestationConfig {
    pub mode: AttestationMode,
    /// Google's hardware attestation root certificates (DER or PEM files).
    pub android_roots: Vec<PathBuf>,
    /// The Android apps allowed to log in, with their release signing digests.
    pub android_apps: Vec<AndroidAppConfig>,
    /// Revoked attestation certificate serials: Google's status list (JSON,
    /// `{"entries": {"<hex serial>": ...}}`) or one hex serial per line.
    pub android_revoked: Option<PathBuf>,
    /// Apple's App Attestation root CA (DER or PEM).
    pub apple_roots: Vec<PathBuf>,
    /// Allowed App IDs, `TEAMID.bundle.id`.
    pub apple_app_ids: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationMode {
    /// Production: only hardware keys of release builds of the official app,
    /// on phones with a locked bootloader and a verified boot.
    #[default]
    Required,
    /// Demo and tests: software keys are accepted too, and their records say
    /// `software`. Attestations that are sent are still checked.
    SoftwareAllowed,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidAppConfig {
    pub package: String,
    /// SHA-256 of each release signing certificate, hex (colons allowed, as
    /// `apksigner` and Play Console print them).
    pub signing_digests: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// "rolling", or a campaign window with its scope cut-off.
    pub schedule: String,
    pub opens: Option<String>,
    pub closes: Option<String>,
    pub scope_cutoff: Option<String>,
    #[serde(default)]
    pub maintenance_days: Vec<u32>,
    /// Working days staff take to decide a result in review (Beijing: 3;
    /// the ministry's channels: 5, the default).
    pub review_working_days: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        let mut policies = BTreeMap::new();
        policies.insert(
            "default".into(),
            PolicyConfig {
                schedule: "rolling".into(),
                opens: None,
                closes: None,
                scope_cutoff: None,
                maintenance_days: vec![],
                review_working_days: None,
            },
        );
        Config {
            listen: "127.0.0.1:8080".into(),
            data: PathBuf::from("certd-data"),
            database_url: None,
            s3: None,
            receipt_keys: None,
            evidence_keys: None,
            // Two yearly cycles: the 24-month extra-proof rule and a dispute
            // about the following year can still reach the pictures.
            evidence_retention_days: 730,
            models: None,
            upload_claim_lease_s: 120,
            access_token_ttl_s: 15 * 60,
            refresh_token_ttl_s: 30 * 24 * 3600,
            challenge_minutes: 30,
            require_light_check: true,
            policies,
            trust_forwarded_for: false,
            login_failures_per_client: 30,
            login_failures_per_account: 50,
            registration_failures: 5,
            certifications_per_day: 10,
            attestation: AttestationConfig::default(),
        }
    }
}

fn parse_day(s: &str) -> Result<CalendarDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(CalendarDate::from_naive)
        .map_err(|_| format!("not a date (YYYY-MM-DD): {s}"))
}

impl PolicyConfig {
    pub fn to_policy(&self) -> Result<CertificationPolicy, String> {
        let schedule = match self.schedule.as_str() {
            "rolling" => Schedule::Rolling,
            "campaign" => {
                let get = |v: &Option<String>, n: &str| {
                    v.as_deref()
                        .ok_or(format!("a campaign needs `{n}`"))
                        .and_then(parse_day)
                };
                Schedule::Campaign {
                    campaign: Campaign {
                        opens: get(&self.opens, "opens")?,
                        closes: get(&self.closes, "closes")?,
                        scope_cutoff: get(&self.scope_cutoff, "scope_cutoff")?,
                    },
                }
            }
            other => {
                return Err(format!(
                    "schedule is `rolling` or `campaign`, not `{other}`"
                ))
            }
        };
        if let Some(d) = self
            .maintenance_days
            .iter()
            .find(|d| !(1..=31).contains(*d))
        {
            return Err(format!("maintenance day {d} is not a day of the month"));
        }
        Ok(CertificationPolicy {
            schedule,
            maintenance_days: self.maintenance_days.clone(),
        })
    }
}

impl Config {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut cfg = match file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                toml::from_str::<Config>(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        cfg.policies
            .entry("default".into())
            .or_insert_with(|| Config::default().policies["default"].clone());
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("CERTD_LISTEN") {
            cfg.listen = v;
        }
        if let Some(v) = env("CERTD_DATA") {
            cfg.data = v.into();
        }
        if let Some(v) = env("CERTD_DATABASE_URL") {
            cfg.database_url = Some(v);
        }
        if let Some(bucket) = env("CERTD_S3_BUCKET") {
            cfg.s3 = Some(S3Config {
                bucket,
                region: env("CERTD_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                allow_http: env("CERTD_S3_ENDPOINT").is_some_and(|e| e.starts_with("http://")),
                endpoint: env("CERTD_S3_ENDPOINT"),
            });
        }
        if let Some(v) = env("CERTD_RECEIPT_KEYS") {
            cfg.receipt_keys = Some(v.into());
        }
        if let Some(v) = env("CERTD_EVIDENCE_KEYS") {
            cfg.evidence_keys = Some(v.into());
        }
        if let Some(v) = env("CERTD_EVIDENCE_RETENTION_DAYS") {
            cfg.evidence_retention_days = v
                .parse()
                .map_err(|_| "CERTD_EVIDENCE_RETENTION_DAYS: a number of days")?;
        }
        if let Some(v) = env("CERTD_MODELS") {
            cfg.models = Some(v.into());
        }
        if let Some(v) = env("CERTD_ACCESS_TOKEN_TTL_S") {
            cfg.access_token_ttl_s = v
                .parse()
                .map_err(|_| "CERTD_ACCESS_TOKEN_TTL_S: a number of seconds")?;
        }
        cfg.check()?;
        Ok(cfg)
    }

    pub fn check(&self) -> Result<(), String> {
        if !self.policies.contains_key("default") {
            return Err("policies.default is required".into());
        }
        for (region, p) in &self.policies {
            p.to_policy()
                .map_err(|e| format!("policies.{region}: {e}"))?;
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.join("certd.db").display()))
    }

    /// The rules for a person registered in `region` (6-digit code).
    pub fn policy_for(&self, region: &str) -> CertificationPolicy {
        self.policy_config(region)
            .and_then(|p| p.to_policy().ok())
            .unwrap_or_else(CertificationPolicy::rolling)
    }

    /// Working days a review takes in `region`.
    pub fn review_working_days(&self, region: &str) -> u32 {
        self.policy_config(region)
            .and_then(|p| p.review_working_days)
            .unwrap_or(lifecert_domain::rules::working_days::MINISTRY_REVIEW_WORKING_DAYS)
    }

    /// The longest region prefix with rules, else `default`.
    fn policy_config(&self, region: &str) -> Option<&PolicyConfig> {
        [6usize, 4, 2]
            .iter()
            .filter_map(|&n| region.get(..n))
            .find_map(|prefix| self.policies.get(prefix))
            .or_else(|| self.policies.get("default"))
    }
}

/// An S3-compatible bucket. Credentials come from the usual
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// For S3-compatible stores (MinIO, Ceph, a cloud's own): their URL.
    pub endpoint: Option<String>,
    /// Plain HTTP to the endpoint (a store on the same private network).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}
