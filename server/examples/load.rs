//! Load test on loopback: many people certify at once against an in-process
//! certd (real SQLite, real face models). Reports verified uploads per second
//! per core and the upload latency's median and p99, and checks that every
//! upload became exactly one passed record.
//!
//! `cargo run -p lifecert-server --example load [-- PEOPLE CONCURRENCY]`
//!
//! An example rather than a criterion bench so it runs in the dev profile the
//! rest of the tests share (every dependency, so tract, dlib and argon2, is
//! built at opt-level 3 there; certd's own glue code is not).
//!
//! The app side is replayed: every certification is started first, then
//! each is captured for real (clipgen clip of grace_hopper.jpg doing that
//! challenge's actions in its order, lit by its nonce's screen colours,
//! through the phone's liveness engine), and each upload carries its own
//! capture, signed by its own device key. The server's
//! work per upload (signature, decoding every crop of the face sequence, the
//! liveness engine over all of them, dlib identity checks and match, database
//! transaction) is all real and is what is timed.

use base64::Engine as _;
use certd::{agency, config::Config, AppState};
use lifecert_domain::api::*;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::sync::Arc;
use std::time::{Duration, Instant};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

fn person(i: usize) -> (String, String) {
    let first = format!("110105195001{:02}{:03}", 1 + i % 28, 100 + i);
    let name = format!("测试{}", ["甲", "乙", "丙", "丁", "戊"][i % 5]);
    (name, format!("{first}{}", check_char(&first)))
}

mod common;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let people = *args.first().unwrap_or(&40);
    let concurrency = *args.get(1).unwrap_or(&8);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let dir = std::env::temp_dir().join(format!("certd-load-{}", certd::db::new_id()));
        let state = AppState::open(Config { data: dir.clone(), attestation: certd::config::AttestationConfig { mode: certd::config::AttestationMode::SoftwareAllowed, ..Default::default() }, ..Config::default() }).await.unwrap();
        let mut roster = String::from("name,id_number,category,region,benefit_start\n");
        for i in 0..people {
            let (n, id) = person(i);
            roster += &format!("{n},{id},enterprise,110105,2010-01\n");
        }
        agency::import_roster(&state, &roster).await.unwrap();
        let photo = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces/grace_hopper.jpg")).unwrap();
        println!("enrolling {people} template photos...");
        for i in 0..people {
            agency::enrol(&state, &person(i).1, &photo).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(certd::serve(state.clone(), listener));
        let http = reqwest::Client::new();

        // Accounts and sessions first: login (argon2) is not what is measured.
        let mut sessions = Vec::new();
        for i in 0..people {
            let (name, id) = person(i);
            let r = http.post(format!("{url}/v1/accounts")).json(&RegisterRequest { name, id_number: id.clone(), password: "abc12345".into(), mobile: "13800138000".into(), mobile_again: "13800138000".into(), terms_accepted: true }).send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
            let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
            let key = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
            let t: Tokens = http.post(format!("{url}/v1/sessions")).json(&LoginRequest { id_number: id, password: "abc12345".into(), device_public_key: B64.encode(key.public_key().as_ref()), attestation: None }).send().await.unwrap().json().await.unwrap();
            sessions.push((t, key));
        }

        // Start every certification, then capture each distinct challenge once.
        let mut started_all = Vec::new();
        for (t, key) in sessions {
            let s: Started = http.post(format!("{url}/v1/certifications")).bearer_auth(&t.access_token).json(&StartRequest { subject_person_id: t.person_id.clone() }).send().await.unwrap().json().await.unwrap();
            started_all.push((t, key, s));
        }
        // One capture per certification: the screen colours come from its nonce.
        println!("capturing {people} challenges...");
        let captures: Arc<std::collections::HashMap<String, lifecert_liveness::evidence::Evidence>> = Arc::new(
            started_all
                .iter()
                .map(|(_, _, s)| (s.nonce.clone(), common::capture(&s.actions, &s.nonce, common::now_ms())))
                .collect(),
        );

        println!("{people} certifications, {concurrency} at a time, {cores} cores...");
        let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let started = Instant::now();
        let cpu0 = lifecert_liveness::timing::process_cpu_ns();
        let mut tasks = Vec::new();
        for (t, key, s) in started_all {
            let (http, url, captures, gate) = (http.clone(), url.clone(), captures.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let _slot = gate.acquire().await.unwrap();
                let body = captures[&s.nonce].to_json();
                let sig = B64.encode(key.sign(&body).as_ref());
                let t0 = Instant::now();
                let r = http.put(format!("{url}/v1/certifications/{}/evidence", s.certification_id)).bearer_auth(&t.access_token).header(IDEMPOTENCY_HEADER, format!("load-{}", s.certification_id)).header(SIGNATURE_HEADER, sig).header("content-type", "application/json").body(body).send().await.unwrap();
                let latency = t0.elapsed();
                let rec: CertificationRecord = r.json().await.unwrap();
                (latency, rec.outcome)
            }));
        }
        let mut latencies = Vec::new();
        let mut passed = 0;
        for t in tasks {
            let (l, o) = t.await.unwrap();
            latencies.push(l);
            passed += usize::from(o == Outcome::Passed);
        }
        let wall = started.elapsed();
        let cpu_s = cpu0.zip(lifecert_liveness::timing::process_cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
        latencies.sort();
        let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
        let rows: i64 = sqlx::Row::try_get(&sqlx::query("SELECT COUNT(*) AS n FROM certifications WHERE outcome = 'passed'").fetch_one(&state.db).await.unwrap(), "n").unwrap();
        let rate = people as f64 / wall.as_secs_f64();
        println!("passed: {passed}/{people}; passed records in the database: {rows}");
        println!("throughput: {rate:.2} verified uploads/s = {:.2} per core ({cores} cores, load generator included)", rate / cores as f64);
        if let Some(cpu_s) = cpu_s {
            // Robust when other work shares the machine: what one busy core
            // would do, from the CPU this process (server and load generator) used.
            println!("CPU: {:.0} ms per verified upload = {:.2} uploads per CPU-second", cpu_s * 1e3 / people as f64, people as f64 / cpu_s);
        }
        println!("upload latency: median {}, p99 {}", ms(pct(0.5)), ms(pct(0.99)));
        assert_eq!(passed, people, "every certification passed");
        assert_eq!(rows as usize, people, "one record per upload, none lost");
        let _ = std::fs::remove_dir_all(dir);
    });
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
