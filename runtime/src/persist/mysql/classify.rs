//! MySQL's and MariaDB's errors: mysql_async errors -> [`DbError`], and error numbers
//! -> [`Class`] (the table the runtime's default classifier uses).
//!
//! Each number gets the failure code its PostgreSQL counterpart gets
//! (`persist::postgres::classify`): a duplicate key is `UNIQUE_VIOLATION` as 23505 is,
//! a value that does not fit its column `INVALID_DATA` as class 22 is, and so on.
//!
//! Retryable: the transaction may succeed unchanged later. A deadlock or lock wait
//! timeout (contention), a server gone, shutting down or killing the connection, too
//! many connections or out of resources (load), and a read-only server (a replica,
//! or a failover in progress). 1290 is "the server runs with an option that prevents
//! this statement": for the writes of this runtime that option is `--read-only`
//! (MariaDB's read-only answer; MySQL 8 answers 1836).
//!
//! The server does not name the table, column or constraint in separate fields as
//! PostgreSQL does: they are read from the message text where it names them
//! ([`located`]), in MariaDB's and MySQL 8's wording.

use crate::failure::codes;
use crate::vocab::{Class, DbError, Dialect};

/// The class of a MySQL/MariaDB error number (as text, e.g. `"1062"`), or `None` when
/// unknown (the default classifier then answers fatal `UNCLASSIFIED_ERROR`).
pub fn classify(code: &str) -> Option<Class> {
    let errno: u16 = code.parse().ok()?;
    Some(match errno {
        // ER_DUP_KEY, ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME (23505).
        1022 | 1062 | 1586 => Class::Fatal(codes::UNIQUE_VIOLATION),
        // ER_NO_REFERENCED_ROW(_2), ER_ROW_IS_REFERENCED(_2) (23503).
        1216 | 1217 | 1451 | 1452 => Class::Fatal(codes::FOREIGN_KEY_VIOLATION),
        // ER_BAD_NULL_ERROR; ER_NO_DEFAULT_FOR_FIELD, a NOT NULL column left out (23502).
        1048 | 1364 => Class::Fatal(codes::NOT_NULL_VIOLATION),
        // ER_CONSTRAINT_FAILED (MariaDB), ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8) (23514).
        4025 | 3819 => Class::Fatal(codes::CHECK_VIOLATION),
        // A value that does not fit its column (class 22): out of range, data too
        // long, incorrect value, truncated (an ENUM label that is not one), division by
        // zero, wrong value for a type, invalid JSON text (MySQL 8's JSON type).
        1264 | 1265 | 1292 | 1365 | 1366 | 1367 | 1406 | 1411 | 1690 | 3140 => {
            Class::Fatal(codes::INVALID_DATA)
        }
        // Access denied: database, table, column, or a privilege such as SUPER (42501).
        1044 | 1142 | 1143 | 1227 => Class::Fatal(codes::UNAUTHORIZED),
        // The schema is not what the statement expects (class 42): unknown database,
        // table or column, column count mismatch, syntax.
        1049 | 1051 | 1054 | 1064 | 1109 | 1136 | 1146 => Class::Fatal(codes::SCHEMA_MISMATCH),
        // ER_LOCK_WAIT_TIMEOUT (55P03), ER_LOCK_DEADLOCK (40P01).
        1205 | 1213 => Class::Retryable,
        // Too many connections (for all, for this user); out of memory or resources;
        // disk or table full (class 53).
        1021 | 1037 | 1040 | 1041 | 1114 | 1203 => Class::Retryable,
        // Read-only: --read-only (MariaDB), super_read_only / read_only (MySQL 8), a
        // read-only transaction (25006).
        1290 | 1792 | 1836 => Class::Retryable,
        // Operator intervention (class 57): shutdown in progress, connection killed
        // (MariaDB's 1927), query interrupted, statement time limit (MariaDB's
        // max_statement_time 1969, MySQL's max_execution_time 3024), idle connection
        // closed by the server (MySQL 8's 4031).
        1053 | 1317 | 1927 | 1969 | 3024 | 4031 => Class::Retryable,
        // Network errors the server reports (08S01), and the client library's own
        // connection errors (can't connect, server gone away, lost during a query)
        // for drivers that report them as numbers (class 08).
        1152 | 1158..=1161 | 2002 | 2003 | 2006 | 2013 | 2055 => Class::Retryable,
        _ => return None,
    })
}

/// A statement's error. Errors the server reported keep their number and message,
/// with the table, column and constraint the message names; errors of the connection
/// itself (I/O, closed, protocol) are [`DbError::Connection`]; errors of this process
/// that say nothing about the connection (a parameter that does not encode, a value
/// that does not decode, a statement too large for the protocol) are a
/// [`DbError::Database`] without a number, as on PostgreSQL: retrying them could only
/// fail again.
pub fn from_mysql(error: &mysql_async::Error, operation_index: Option<usize>) -> DbError {
    use mysql_async::DriverError as D;
    match error {
        mysql_async::Error::Server(server) => {
            let found = located(server.code, &server.message);
            DbError::Database {
                dialect: Dialect::Mysql,
                code: server.code.to_string(),
                message: server.message.clone(),
                table: found.table,
                column: found.column,
                constraint: found.constraint,
                operation_index,
            }
        }
        mysql_async::Error::Driver(
            D::FromValue { .. }
            | D::FromRow { .. }
            | D::Params(_)
            | D::MixedParams
            | D::NestedTransaction
            | D::ReadOnlyTransNotSupported
            | D::StmtParamsMismatch { .. }
            | D::StmtParamsNumberExceedsLimit { .. }
            | D::PacketTooLarge
            | D::LocalInfile(_)
            | D::BulkExecute(_),
        ) => DbError::Database {
            dialect: Dialect::Mysql,
            code: String::new(),
            message: error_chain(error),
            table: None,
            column: None,
            constraint: None,
            operation_index,
        },
        // The driver's codec refuses a packet over the server's max_allowed_packet as
        // an I/O error; the same statement would be refused on every retry, so it is
        // the statement's failure, not the connection's.
        mysql_async::Error::Io(_) if error.to_string().contains(PACKET_TOO_LARGE) => {
            DbError::Database {
                dialect: Dialect::Mysql,
                code: String::new(),
                message: format!(
                    "{}: one statement of the transaction is larger than the server's \
                     max_allowed_packet; raise max_allowed_packet on the server, or write \
                     smaller rows",
                    error_chain(error)
                ),
                table: None,
                column: None,
                constraint: None,
                operation_index,
            }
        }
        _ => DbError::Connection {
            message: error_chain(error),
        },
    }
}

/// The text of mysql_async's codec error for a packet over `max_allowed_packet`.
const PACKET_TOO_LARGE: &str = "Packet is larger than max_allowed_packet";

/// Failing to get a connection: always "nothing was tried", so retryable. A server
/// refusal in the retryable part of the table (too many connections, shutting down,
/// read-only) keeps its number; anything else (unreachable, refused, authentication,
/// unknown database) is [`DbError::Connection`], its message saying which.
pub fn from_acquire(error: &mysql_async::Error) -> DbError {
    if let mysql_async::Error::Server(server) = error {
        let code = server.code.to_string();
        if classify(&code) == Some(Class::Retryable) {
            return from_mysql(error, None);
        }
        return DbError::Connection {
            message: format!("cannot connect: {} ({code})", server.message),
        };
    }
    let message = error_chain(error);
    let hint = if message.contains("invalid peer certificate") {
        " (the server's TLS certificate did not pass the check `ssl-mode` asks for: give \
         its CA with `ssl-ca=PATH`, connect by the name the certificate is for, or use \
         `ssl-mode=REQUIRED`, which encrypts without checking)"
    } else {
        ""
    };
    DbError::Connection {
        message: format!("cannot connect: {message}{hint}"),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    // mysql_async's I/O error says "Input/output error: " twice (its own and its
    // source's text).
    const IO: &str = "Input/output error: ";
    let mut message = error.to_string().replace(&IO.repeat(2), IO);
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        // mysql_async's errors repeat their source's text in their own.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    message
}

/// What a server error's message names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Located {
    pub table: Option<String>,
    pub column: Option<String>,
    pub constraint: Option<String>,
}

/// The table, column and constraint an error's message names, in MariaDB's (10.x,
/// 11.x) and MySQL 8's wording. A message not in the expected form names nothing.
pub fn located(errno: u16, message: &str) -> Located {
    let mut found = Located::default();
    match errno {
        // "Duplicate entry 'x' for key 'PRIMARY'" (MariaDB); MySQL 8 qualifies the
        // key: "... for key 'todos.PRIMARY'". The entry may hold quotes: read from the
        // end.
        1062 | 1586 => {
            if let Some(at) = message.rfind(" for key '")
                && let Some(key) = message[at + 10..].strip_suffix('\'')
            {
                match key.split_once('.') {
                    Some((table, key)) => {
                        found.table = Some(table.to_string());
                        found.constraint = Some(key.to_string());
                    }
                    None => found.constraint = Some(key.to_string()),
                }
            }
        }
        // "... a foreign key constraint fails (`db`.`todos`, CONSTRAINT `fk` FOREIGN
        // KEY (`list_id`) REFERENCES `lists` (`id`))": the referencing table, as
        // PostgreSQL reports it for both directions.
        1216 | 1217 | 1451 | 1452 => {
            if let Some(at) = message.find(" fails (") {
                let rest = &message[at + 8..];
                if let Some((path, rest)) = backtick_path(rest) {
                    found.table = path.last().cloned();
                    if let Some(rest) = rest.strip_prefix(", CONSTRAINT ")
                        && let Some((name, rest)) = backtick_path(rest)
                    {
                        found.constraint = name.last().cloned();
                        if let Some(rest) = rest.strip_prefix(" FOREIGN KEY (")
                            && let Some((columns, rest)) = backtick_list(rest)
                            && columns.len() == 1
                            && rest.starts_with(')')
                        {
                            found.column = columns.into_iter().next();
                        }
                    }
                }
            }
        }
        1048 => found.column = between(message, "Column '", "' cannot be null"),
        1364 => found.column = between(message, "Field '", "' doesn't have a default value"),
        1406 => found.column = between(message, "Data too long for column '", "' at row "),
        1264 => found.column = between(message, "Out of range value for column '", "' at row "),
        1265 => found.column = between(message, "Data truncated for column '", "' at row "),
        // "Incorrect integer value: 'x' for column `db`.`t`.`c` at row 1" (MariaDB),
        // "... for column 'c' at row 1" (MySQL 8). The value may hold anything: read
        // from the end.
        1292 | 1366 | 1367 => {
            if let Some(at) = message.rfind(" for column ") {
                let rest = &message[at + 12..];
                if let Some((path, rest)) = backtick_path(rest) {
                    if rest.starts_with(" at row") || rest.is_empty() {
                        found.column = path.last().cloned();
                        if path.len() >= 2 {
                            found.table = Some(path[path.len() - 2].clone());
                        }
                    }
                } else if let Some(rest) = rest.strip_prefix('\'')
                    && let Some(end) = rest.rfind("' at row")
                {
                    found.column = Some(rest[..end].to_string());
                }
            }
        }
        // "CONSTRAINT `name` failed for `db`.`t`" (MariaDB; a column's own CHECK is
        // named after the column).
        4025 => {
            if let Some(rest) = message.strip_prefix("CONSTRAINT ")
                && let Some((name, rest)) = backtick_path(rest)
            {
                found.constraint = name.last().cloned();
                if let Some(rest) = rest.strip_prefix(" failed for ")
                    && let Some((path, _)) = backtick_path(rest)
                {
                    found.table = path.last().cloned();
                }
            }
        }
        // "Check constraint 'name' is violated." (MySQL 8).
        3819 => found.constraint = between(message, "Check constraint '", "' is violated"),
        // "Table 'db.t' doesn't exist".
        1146 => {
            found.table = between(message, "Table '", "' doesn't exist").map(|name| {
                match name.split_once('.') {
                    Some((_, table)) => table.to_string(),
                    None => name,
                }
            });
        }
        // "Unknown column 'c' in 'field list'" (or 't.c' when qualified).
        1054 => {
            if let Some(name) = between(message, "Unknown column '", "' in ") {
                match name.rsplit_once('.') {
                    Some((table, column)) => {
                        found.table = Some(table.to_string());
                        found.column = Some(column.to_string());
                    }
                    None => found.column = Some(name),
                }
            }
        }
        // "INSERT command denied to user 'u'@'h' for table `db`.`t`" (MariaDB) or
        // "... for table 't'" (MySQL 8).
        1142 => {
            if let Some(at) = message.rfind(" for table ") {
                found.table = quoted_name(&message[at + 11..]);
            }
        }
        // "UPDATE command denied to user 'u'@'h' for column 'c' in table 't'".
        1143 => {
            if let Some(at) = message.rfind(" for column ") {
                let rest = &message[at + 12..];
                if let Some(column) = between(rest, "'", "' in table ") {
                    found.column = Some(column);
                }
                if let Some(at) = rest.rfind(" in table ") {
                    found.table = quoted_name(&rest[at + 10..]);
                }
            }
        }
        _ => {}
    }
    found
}

/// The text between `start` (at the message's start) and the last `end`.
fn between(message: &str, start: &str, end: &str) -> Option<String> {
    let rest = message.strip_prefix(start)?;
    let at = rest.rfind(end)?;
    Some(rest[..at].to_string())
}

/// A name as `'t'`, `` `t` `` or `` `db`.`t` `` (the last part), at the start of
/// `text` and ending it (but for a full stop).
fn quoted_name(text: &str) -> Option<String> {
    let text = text.trim_end_matches('.');
    if let Some((path, rest)) = backtick_path(text) {
        return rest.is_empty().then(|| path.last().cloned()).flatten();
    }
    let name = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(name.to_string())
}

/// `` `a`.`b`.`c` `` at the start of `text`: the parts (a doubled backtick inside
/// one is a backtick) and the text after.
fn backtick_path(text: &str) -> Option<(Vec<String>, &str)> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let (part, after) = backtick_ident(rest)?;
        parts.push(part);
        match after.strip_prefix('.') {
            Some(next) if next.starts_with('`') => rest = next,
            _ => return Some((parts, after)),
        }
    }
}

/// `` `a`, `b` `` at the start of `text`: the names and the text after.
fn backtick_list(text: &str) -> Option<(Vec<String>, &str)> {
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        let (name, after) = backtick_ident(rest)?;
        names.push(name);
        match after.strip_prefix(", ") {
            Some(next) if next.starts_with('`') => rest = next,
            _ => return Some((names, after)),
        }
    }
}

/// One `` `name` `` at the start of `text`.
fn backtick_ident(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('`')?.char_indices();
    let body = &text[1..];
    let mut name = String::new();
    while let Some((at, c)) = chars.next() {
        if c != '`' {
            name.push(c);
            continue;
        }
        if body[at + 1..].starts_with('`') {
            name.push('`');
            chars.next();
            continue;
        }
        return Some((name, &body[at + 1..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(code: &str) -> Option<&'static str> {
        match classify(code) {
            None => None,
            Some(Class::Retryable) => Some("retryable"),
            Some(Class::Fatal(code)) => Some(code),
        }
    }

    /// The table, row by row; MySQL 8's numbers (3819, 1836) and the client
    /// library numbers (2006, 2013) included, which MariaDB and mysql_async cannot
    /// produce (tests/mysql_errors.rs proves what they produce instead).
    #[test]
    fn the_table() {
        let rows = [
            ("1062", Some(codes::UNIQUE_VIOLATION)),
            ("1586", Some(codes::UNIQUE_VIOLATION)),
            ("1451", Some(codes::FOREIGN_KEY_VIOLATION)),
            ("1452", Some(codes::FOREIGN_KEY_VIOLATION)),
            ("1048", Some(codes::NOT_NULL_VIOLATION)),
            ("1364", Some(codes::NOT_NULL_VIOLATION)),
            ("1406", Some(codes::INVALID_DATA)),
            ("1366", Some(codes::INVALID_DATA)),
            ("1292", Some(codes::INVALID_DATA)),
            ("1264", Some(codes::INVALID_DATA)),
            ("1265", Some(codes::INVALID_DATA)),
            ("4025", Some(codes::CHECK_VIOLATION)),
            ("3819", Some(codes::CHECK_VIOLATION)),
            ("1146", Some(codes::SCHEMA_MISMATCH)),
            ("1054", Some(codes::SCHEMA_MISMATCH)),
            ("1064", Some(codes::SCHEMA_MISMATCH)),
            ("1142", Some(codes::UNAUTHORIZED)),
            ("1143", Some(codes::UNAUTHORIZED)),
            ("1213", Some("retryable")),
            ("1205", Some("retryable")),
            ("2006", Some("retryable")),
            ("2013", Some("retryable")),
            ("1040", Some("retryable")),
            ("1290", Some("retryable")),
            ("1836", Some("retryable")),
            ("1792", Some("retryable")),
            ("1927", Some("retryable")),
            ("1053", Some("retryable")),
            ("1317", Some("retryable")),
            ("1969", Some("retryable")),
            ("3024", Some("retryable")),
            // Unknown, and not numbers at all.
            ("1045", None),
            ("9999", None),
            ("", None),
            ("23505", None),
            ("abc", None),
        ];
        let wrong: Vec<String> = rows
            .iter()
            .filter(|(code, expected)| class(code) != *expected)
            .map(|(code, expected)| format!("{code}: expected {expected:?}, got {:?}", class(code)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    fn loc(table: Option<&str>, column: Option<&str>, constraint: Option<&str>) -> Located {
        Located {
            table: table.map(str::to_string),
            column: column.map(str::to_string),
            constraint: constraint.map(str::to_string),
        }
    }

    /// Messages as MariaDB 10.11 words them (copied from tests/mysql_errors.rs's
    /// real server), and MySQL 8's wording where it differs.
    #[test]
    fn names_from_messages() {
        let cases = [
            (
                1062,
                "Duplicate entry 'a' for key 'PRIMARY'",
                loc(None, None, Some("PRIMARY")),
            ),
            (
                1062,
                "Duplicate entry 'it's for key 'x'' for key 'todos_title'",
                loc(None, None, Some("todos_title")),
            ),
            (
                1062,
                "Duplicate entry 'a' for key 'todos.PRIMARY'",
                loc(Some("todos"), None, Some("PRIMARY")),
            ),
            (
                1452,
                "Cannot add or update a child row: a foreign key constraint fails \
                 (`t1`.`todos`, CONSTRAINT `todos_list` FOREIGN KEY (`list_id`) \
                 REFERENCES `lists` (`id`))",
                loc(Some("todos"), Some("list_id"), Some("todos_list")),
            ),
            (
                1451,
                "Cannot delete or update a parent row: a foreign key constraint fails \
                 (`t1`.`to``dos`, CONSTRAINT `fk` FOREIGN KEY (`a`, `b`) REFERENCES \
                 `lists` (`a`, `b`))",
                loc(Some("to`dos"), None, Some("fk")),
            ),
            (
                1048,
                "Column 'title' cannot be null",
                loc(None, Some("title"), None),
            ),
            (
                1364,
                "Field 'title' doesn't have a default value",
                loc(None, Some("title"), None),
            ),
            (
                1406,
                "Data too long for column 'code' at row 1",
                loc(None, Some("code"), None),
            ),
            (
                1264,
                "Out of range value for column 'n' at row 1",
                loc(None, Some("n"), None),
            ),
            (
                1366,
                "Incorrect integer value: 'x' for column `t1`.`todos`.`n` at row 1",
                loc(Some("todos"), Some("n"), None),
            ),
            (
                1366,
                "Incorrect integer value: 'x' for column 'n' at row 1",
                loc(None, Some("n"), None),
            ),
            (
                1292,
                "Incorrect datetime value: 'soon' for column `t1`.`todos`.`due` at row 1",
                loc(Some("todos"), Some("due"), None),
            ),
            (
                1292,
                "Truncated incorrect DOUBLE value: 'x'",
                loc(None, None, None),
            ),
            (
                4025,
                "CONSTRAINT `positive` failed for `t1`.`todos`",
                loc(Some("todos"), None, Some("positive")),
            ),
            (
                3819,
                "Check constraint 'positive' is violated.",
                loc(None, None, Some("positive")),
            ),
            (
                1146,
                "Table 't1.nothing' doesn't exist",
                loc(Some("nothing"), None, None),
            ),
            (
                1054,
                "Unknown column 'nope' in 'field list'",
                loc(None, Some("nope"), None),
            ),
            (
                1054,
                "Unknown column 'todos.nope' in 'where clause'",
                loc(Some("todos"), Some("nope"), None),
            ),
            (
                1142,
                "INSERT command denied to user 'reader'@'localhost' for table `t1`.`todos`",
                loc(Some("todos"), None, None),
            ),
            (
                1142,
                "INSERT command denied to user 'reader'@'localhost' for table 'todos'",
                loc(Some("todos"), None, None),
            ),
            (
                1143,
                "UPDATE command denied to user 'reader'@'localhost' for column 'title' in \
                 table 'todos'",
                loc(Some("todos"), Some("title"), None),
            ),
            // Not in the expected form: nothing named rather than a wrong name.
            (1048, "something else", loc(None, None, None)),
            (
                1452,
                "a foreign key constraint fails (",
                loc(None, None, None),
            ),
            (4025, "CONSTRAINT `unterminated", loc(None, None, None)),
        ];
        for (errno, message, expected) in cases {
            assert_eq!(located(errno, message), expected, "{errno}: {message}");
        }
    }

    #[test]
    fn server_errors_keep_their_number_and_names() {
        let error = mysql_async::Error::Server(mysql_async::ServerError {
            code: 1048,
            message: "Column 'title' cannot be null".to_string(),
            state: "23000".to_string(),
        });
        assert_eq!(
            from_mysql(&error, Some(2)),
            DbError::Database {
                dialect: Dialect::Mysql,
                code: "1048".to_string(),
                message: "Column 'title' cannot be null".to_string(),
                table: None,
                column: Some("title".to_string()),
                constraint: None,
                operation_index: Some(2),
            }
        );
    }

    #[test]
    fn connection_and_client_side_errors() {
        let io = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset by peer",
        )));
        assert_eq!(
            from_mysql(&io, Some(1)),
            DbError::Connection {
                message: "Input/output error: reset by peer".to_string()
            }
        );
        let closed = mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed);
        assert!(matches!(
            from_mysql(&closed, None),
            DbError::Connection { .. }
        ));
        // A statement given the wrong number of parameters fails again unchanged.
        let mismatch = mysql_async::Error::Driver(mysql_async::DriverError::StmtParamsMismatch {
            required: 2,
            supplied: 1,
        });
        assert!(matches!(
            from_mysql(&mismatch, Some(3)),
            DbError::Database { code, operation_index: Some(3), .. } if code.is_empty()
        ));
    }

    #[test]
    fn acquisition_is_retryable_or_keeps_a_retryable_number() {
        let server = |code: u16, message: &str| {
            mysql_async::Error::Server(mysql_async::ServerError {
                code,
                message: message.to_string(),
                state: "HY000".to_string(),
            })
        };
        assert!(matches!(
            from_acquire(&server(1040, "Too many connections")),
            DbError::Database { code, .. } if code == "1040"
        ));
        match from_acquire(&server(1045, "Access denied for user 'x'@'localhost'")) {
            DbError::Connection { message } => {
                assert!(message.contains("Access denied") && message.contains("1045"))
            }
            other => panic!("{other:?}"),
        }
        let refused = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        )));
        assert!(matches!(
            from_acquire(&refused),
            DbError::Connection { message } if message.contains("refused")
        ));
    }
}
