use super::*;

#[test]
fn codes_map_to_classes() {
    assert_eq!(class_of(1062, ""), ErrorClass::Duplicate);
    assert_eq!(class_of(1406, ""), ErrorClass::TooLong);
    assert_eq!(class_of(1265, ""), ErrorClass::TooLong);
    assert_eq!(
        class_of(
            1366,
            "Incorrect string value: '\\xF0\\x9F\\x98\\x80' for column `d`.`u`.`name` at row 2"
        ),
        ErrorClass::Charset
    );
    assert_eq!(
        class_of(
            1366,
            "Incorrect integer value: 'x' for column `id` at row 1"
        ),
        ErrorClass::Other
    );
    assert_eq!(class_of(1300, ""), ErrorClass::Encoding);
    assert_eq!(class_of(1452, ""), ErrorClass::Constraint);
    assert_eq!(class_of(1213, ""), ErrorClass::Timeout);
    assert_eq!(class_of(2013, ""), ErrorClass::Connection);
    assert_eq!(class_of(1064, ""), ErrorClass::Other);
}

#[test]
fn warnings_name_their_row_at_the_end() {
    assert_eq!(
        row_of("Data truncated for column 'email' at row 12"),
        Some(12)
    );
    // The value quoted inside may say "at row" too.
    assert_eq!(
        row_of("Incorrect string value: 'x at row 5' for column `n` at row 2"),
        Some(2)
    );
    assert_eq!(row_of("Duplicate entry 'b' for key 'email'"), None);
    assert_eq!(row_of("at row 0"), None);
}

#[test]
fn sql_mode_comes_out_of_the_dsn_before_the_driver_sees_it() {
    let (url, mode) = split_dsn("mysql://u:p@h:3306/db").unwrap();
    assert_eq!(
        (url.as_str(), &mode),
        ("mysql://u:p@h:3306/db", &SqlMode::Strict)
    );
    assert!(mode.statement().contains("STRICT_ALL_TABLES"));
    let (url, mode) = split_dsn("mysql://u:p@h/db?sql_mode=server").unwrap();
    assert_eq!(
        (url.as_str(), &mode),
        ("mysql://u:p@h/db", &SqlMode::Server)
    );
    assert!(mode.statement().contains("@@GLOBAL.sql_mode"));
    let (url, mode) =
        split_dsn("mariadb://u:p@h/db?prefer_socket=false&sql_mode=no_engine_substitution%2Cerror_for_division_by_zero").unwrap();
    assert_eq!(url, "mariadb://u:p@h/db?prefer_socket=false");
    assert_eq!(
        mode.statement(),
        "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO,ANSI_QUOTES,NO_BACKSLASH_ESCAPES'"
    );
    let (_, mode) = split_dsn("mysql://h/db?sql_mode=").unwrap();
    assert_eq!(
        mode.statement(),
        "SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'"
    );
    // A `?` inside the password is not the query.
    let (url, mode) = split_dsn("mysql://u:p?x@h/db").unwrap();
    assert_eq!(
        (url.as_str(), mode),
        ("mysql://u:p?x@h/db", SqlMode::Strict)
    );
    let e = split_dsn("mysql://u:s3cret@h/db?sql_mode=A';DROP").unwrap_err();
    assert!(e.to_string().contains("not a mode name"), "{e}");
    assert!(!e.to_string().contains("s3cret"), "{e}");
    assert!(is_strict("STRICT_TRANS_TABLES,ANSI_QUOTES"));
    assert!(!is_strict("ANSI_QUOTES,NO_BACKSLASH_ESCAPES"));
}

#[test]
fn rehost_keeps_everything_but_the_address() {
    assert_eq!(
        rehost("mysql://u:p@db.example:3306/app?x=1", "127.0.0.1:9"),
        "mysql://u:p@127.0.0.1:9/app?x=1"
    );
    assert_eq!(
        rehost("mariadb://h/db", "127.0.0.1:9"),
        "mariadb://127.0.0.1:9/db"
    );
}

#[test]
fn with_database_swaps_only_the_database() {
    assert_eq!(
        with_database("mysql://u:p%2Fq@db.example:3306/app?x=1", "s"),
        "mysql://u:p%2Fq@db.example:3306/s?x=1"
    );
    assert_eq!(with_database("mariadb://h:1", "s"), "mariadb://h:1/s");
    assert_eq!(with_database("mysql://u@h/app", "s"), "mysql://u@h/s");
    assert_eq!(with_database("mysql://h?x=1", "s"), "mysql://h/s?x=1");
}

#[test]
fn dsn_passwords_are_redacted() {
    assert_eq!(
        redact("mysql://bob:s3cr:et@db.example:3306/app"),
        "mysql://bob:***@db.example:3306/app"
    );
    assert_eq!(
        redact("mariadb://bob:pa%40ss@db/app"),
        "mariadb://bob:***@db/app"
    );
    assert_eq!(
        redact("mysql://bob:s3cr:et@db/app?sql_mode=STRICT_TRANS_TABLES,NO_ZERO_DATE"),
        "mysql://bob:***@db/app?sql_mode=STRICT_TRANS_TABLES,NO_ZERO_DATE"
    );
}

#[test]
fn infile_fields_escape_what_load_data_reads() {
    let mut out = Vec::new();
    push_infile(FieldKind::Text, "a\tb\\c\nd", &mut out);
    assert_eq!(out, b"a\\tb\\\\c\\nd");
    out.clear();
    push_infile(FieldKind::Null, "", &mut out);
    assert_eq!(out, b"\\N");
    assert_eq!(datetime("2025-01-02T03:04:05Z"), "2025-01-02 03:04:05");
}
