//! Profiles embedded in the binary, so `--profile saas` works from any directory.

const SHIPPED: &[(&str, &str)] = &[
    ("saas", include_str!("../../profiles/saas.toml")),
    ("bench-8", include_str!("../../profiles/bench-8.toml")),
    ("ldap", include_str!("../../profiles/ldap.toml")),
    ("shop", include_str!("../../profiles/shop.toml")),
    ("saas-mfa", include_str!("../../profiles/saas-mfa.toml")),
    (
        "saas-copies",
        include_str!("../../profiles/saas-copies.toml"),
    ),
];

pub fn get(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub fn names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(n, _)| *n).collect()
}
