//! The generic user API: the hash as it is, named by `hash_format`, with its
//! salt column and the profile's parameters (what the string does not say).

use super::ApiUser;
use serde_json::{Map, Value, json};

/// `POST /users` body.
pub fn user(u: &ApiUser) -> Value {
    let mut body = json!({
        "email": u.email,
        "username": u.username,
        "first_name": u.first_name,
        "last_name": u.last_name,
    });
    if let Some(h) = &u.hash {
        body["password_hash"] = json!(h.encoded.hash);
        body["hash_format"] = json!(h.format.name());
        if let Some(s) = &h.encoded.salt {
            body["password_salt"] = json!(s);
        }
        if !h.params.is_empty() {
            let params: Map<String, Value> = h
                .params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            body["hash_params"] = Value::Object(params);
        }
    }
    body
}
