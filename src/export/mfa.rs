//! Second factors (TOTP secrets, SMS phones, backup codes) at each provider:
//! which its import carries, and what a user's record must leave out, listed
//! as `mfa_reenroll` (docs/export.md § Identity graph). Read by export and
//! assess through `rules::decide`.

use super::Provider::{self, *};
use super::rules::{Consequence, Reason, Refusal};

/// The second factors a provider's import carries (docs/export.md § Identity
/// graph): a factor it does not is left out of the record, never sent half
/// converted, and the user is listed with `Consequence::MfaReenroll`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carries {
    /// A TOTP secret (RFC 4648 base32).
    pub totp: bool,
    /// An SMS phone, E.164 only.
    pub phone: bool,
    pub backup_codes: bool,
    /// Where it says so, in words (the detail of a refusal).
    pub how: &'static str,
}

pub fn carries(p: Provider) -> Carries {
    let c = |totp, phone, backup_codes, how| Carries {
        totp,
        phone,
        backup_codes,
        how,
    };
    match p {
        // Bulk import `mfa_factors`: totp, phone (`^\+[0-9]{1,15}$`), email; no recovery codes.
        Auth0 => c(
            true,
            true,
            false,
            "Auth0 mfa_factors take TOTP and phone, no recovery codes",
        ),
        // Factors API, a second request per user (okta/factors-NNNN.ndjson):
        // Custom TOTP (`token:hotp`, `sharedSecret`) and `sms`, auto-activated.
        Okta => c(
            true,
            true,
            false,
            "Okta factors take TOTP (Custom TOTP) and SMS, no recovery codes",
        ),
        // Create user: totp_secret and backup_codes; no SMS factor.
        Clerk => c(
            true,
            false,
            true,
            "Clerk takes totp_secret and backup_codes, no SMS factor",
        ),
        Firebase => c(
            false,
            false,
            false,
            "Firebase auth:import carries no second factor",
        ),
        // Partial import: an `otp` credential (OTPSecretData/OTPCredentialData).
        Keycloak => c(
            true,
            false,
            false,
            "Keycloak's import takes TOTP (an otp credential), no SMS or recovery codes",
        ),
        Cognito => c(
            false,
            false,
            false,
            "Cognito's CSV import carries no second factor",
        ),
        // auth.mfa_factors: a verified totp factor with its secret.
        Supabase => c(
            true,
            false,
            false,
            "Supabase's auth.mfa_factors take TOTP here, no SMS or recovery codes",
        ),
    }
}

/// E.164 as Auth0's schema checks it: `+` and 1 to 15 digits.
pub fn e164(p: &str) -> bool {
    p.len() > 1 && p.len() <= 16 && p.starts_with('+') && p[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Takes out of `id` the second factors provider `p` cannot import, and says
/// which (`None`: every factor the user has goes). A phone that is not E.164
/// is a `field_limit`; a factor the provider takes none of is a `format`.
pub fn factor_verdict(p: Provider, id: &mut super::Identity) -> Option<Refusal> {
    let c = carries(p);
    let mut lost: Vec<&str> = Vec::new();
    let mut reason = Reason::Format;
    if id.totp_secret.is_some() && !c.totp {
        id.totp_secret = None;
        lost.push("TOTP secret");
    }
    if let Some(ph) = &id.mfa_phone {
        if !c.phone {
            lost.push("SMS phone");
            id.mfa_phone = None;
        } else if !e164(ph) {
            lost.push("SMS phone not E.164");
            reason = Reason::FieldLimit;
            id.mfa_phone = None;
        }
    }
    if !id.backup_codes.is_empty() && !c.backup_codes {
        id.backup_codes.clear();
        lost.push("backup codes");
    }
    if lost.is_empty() {
        return None;
    }
    let why = if reason == Reason::FieldLimit && lost.len() == 1 {
        format!("{} requires E.164", p.title())
    } else {
        c.how.to_string()
    };
    Some(Refusal {
        reason,
        consequence: Consequence::MfaReenroll,
        detail: format!("{} dropped: {why}", lost.join(", ")),
    })
}
