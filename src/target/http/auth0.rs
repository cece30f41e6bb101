//! Auth0 bulk user import records: `export::auth0`'s encoder, so a rehearsal
//! and `export --to auth0` write the same records.
//!
//! Auth0 bulk import: users go in JSON files of at most 500 KB, each one
//! import job; at most 2 jobs run at once (Auth0 answers a third with 429).
//! A job is polled until it completes, then its errors are read back and
//! booked against the users they name.

use super::{ApiUser, JitOnly};
use super::{Item, Tally};
use crate::api::{AUTH0_MAX_ACTIVE_JOBS, AUTH0_MAX_FILE};
use crate::export::{Provider, rules};
use crate::http::{Answer, Client};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One record of a `users` import file (`export::auth0`'s encoder; formats
/// Auth0 cannot take are `JitOnly` by `export::rules`).
pub fn user(u: &ApiUser) -> Result<Value, JitOnly> {
    let accepted = match &u.hash {
        Some(h) => Some(
            rules::hash_verdict(Provider::Auth0, h).map_err(|_| JitOnly {
                format: h.format.name(),
            })?,
        ),
        None => None,
    };
    Ok(crate::export::auth0::rehearsal_user(u, accepted.as_ref()))
}

/// Auth0 needs the database connection to import into; the emulator takes any.
const CONNECTION_ID: &str = "con_understudy";

/// Runs every user through import jobs; returns the number of jobs.
pub async fn run(
    client: Arc<Client>,
    mut rx: tokio::sync::mpsc::Receiver<Item>,
    tally: Arc<Tally>,
) -> u64 {
    let slots = Arc::new(tokio::sync::Semaphore::new(AUTH0_MAX_ACTIVE_JOBS));
    let mut file: Vec<Item> = Vec::new();
    let mut size = 2;
    let mut jobs = 0u64;
    loop {
        let next = rx.recv().await;
        let full = next
            .as_ref()
            .is_some_and(|i| size + i.body.len() + 1 > AUTH0_MAX_FILE);
        if (next.is_none() || full) && !file.is_empty() {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            jobs += 1;
            let (client, tally, users) = (client.clone(), tally.clone(), std::mem::take(&mut file));
            tokio::spawn(async move {
                job(&client, &tally, jobs, users).await;
                drop(slot);
            });
            size = 2;
        }
        let Some(item) = next else { break };
        size += item.body.len() + 1;
        file.push(item);
    }
    let _ = slots.acquire_many(AUTH0_MAX_ACTIVE_JOBS as u32).await;
    jobs
}

fn refuse_all(tally: &Tally, users: &[Item], class: &str, message: &str) {
    for u in users {
        tally.reject(u, class, message.to_string());
    }
    tally.tick(users.len() as u64);
}

async fn get_json(client: &Client, key: u64, path: &str) -> Result<Value, String> {
    let url = client.url(path);
    match client.send(key, || client.http.get(&url)).await {
        Answer::Http { status, body, .. } if status < 300 => {
            Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
        }
        Answer::Http { status, body, .. } => Err(super::message(status, &body)),
        Answer::GaveUp { message, .. } => Err(message),
    }
}

async fn job(client: &Client, tally: &Tally, n: u64, users: Vec<Item>) {
    let t0 = Instant::now();
    let mut file = Vec::with_capacity(AUTH0_MAX_FILE);
    file.push(b'[');
    for (i, u) in users.iter().enumerate() {
        if i > 0 {
            file.push(b',');
        }
        file.extend_from_slice(&u.body);
    }
    file.push(b']');
    let url = client.url("/api/v2/jobs/users-imports");
    let answer = client
        .send(n, || {
            let part = reqwest::multipart::Part::bytes(file.clone())
                .file_name("users.json")
                .mime_str("application/json")
                .expect("valid mime");
            client.http.post(&url).multipart(
                reqwest::multipart::Form::new()
                    .part("users", part)
                    .text("connection_id", CONNECTION_ID)
                    .text("upsert", "false"),
            )
        })
        .await;
    let (id, ambiguous) = match answer {
        Answer::Http {
            status,
            body,
            ambiguous,
        } if status < 300 => {
            let v: Value = serde_json::from_slice(&body).unwrap_or_default();
            match v["id"].as_str() {
                Some(id) => (id.to_string(), ambiguous),
                None => {
                    return refuse_all(tally, &users, "job_refused", "no job id in the answer");
                }
            }
        }
        Answer::Http { status, body, .. } => {
            let class = super::refusal_class(super::Api::Auth0, status, &body);
            return refuse_all(tally, &users, &class, &super::message(status, &body));
        }
        Answer::GaveUp { class, message } => return refuse_all(tally, &users, class, &message),
    };
    // Poll, 20 ms doubling to 1 s.
    let mut wait = Duration::from_millis(20);
    let summary = loop {
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(1));
        match get_json(client, n, &format!("/api/v2/jobs/{id}")).await {
            Ok(v) if v["status"] == "completed" => break v["summary"].clone(),
            Ok(v) if v["status"] == "failed" => {
                return refuse_all(tally, &users, "job_failed", &v.to_string());
            }
            Ok(_) => continue,
            Err(e) => return refuse_all(tally, &users, "job_status_unknown", &e),
        }
    };
    let mut failed = 0u64;
    if summary["failed"].as_u64().unwrap_or(0) > 0 {
        let by_email: HashMap<&str, &Item> = users.iter().map(|u| (u.email.as_str(), u)).collect();
        match get_json(client, n, &format!("/api/v2/jobs/{id}/errors")).await {
            Ok(Value::Array(errors)) => {
                for e in errors {
                    let email = e
                        .pointer("/user/email")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let Some(u) = by_email.get(email) else {
                        continue;
                    };
                    let code = e
                        .pointer("/errors/0/code")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown");
                    if code == "DUPLICATED_USER" && ambiguous {
                        // Our resubmitted job found our own first import.
                        tally
                            .already_existed_on_retry
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                    let class = if code == "DUPLICATED_USER" {
                        "duplicate".to_string()
                    } else {
                        code.to_ascii_lowercase()
                    };
                    let message = e
                        .pointer("/errors/0/message")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    tally.reject(u, &class, message.to_string());
                    failed += 1;
                }
            }
            Ok(_) => {}
            Err(e) => return refuse_all(tally, &users, "job_errors_unread", &e),
        }
    }
    tally.done(users.len() as u64 - failed, t0.elapsed());
    tally.tick(users.len() as u64);
}
