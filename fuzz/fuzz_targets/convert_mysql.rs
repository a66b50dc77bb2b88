//! Every value conversion of the MySQL/MariaDB persister, on any JSON value and any
//! column type text: no panic, bounded output and messages.
//!
//! Input: `<COLUMN_TYPE>\n<value>`, e.g. `decimal(10,2) unsigned\n"12.5"`; the data
//! type is the column type's first word, as `information_schema` reports both. The
//! value is read as in the other targets (JSON, else the raw text as a string).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mysql_async::Value as Sql;
use powersync_write_server::persist::mysql::convert_value;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (column_type, value) = text.split_once('\n').unwrap_or((text, ""));
    let data_type = column_type
        .split(['(', ' '])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    match convert_value(&data_type, column_type, &value) {
        Ok(Sql::Bytes(bytes)) => assert!(
            bytes.len() <= 8 * data.len() + 64,
            "{} bytes of output from {} bytes of input",
            bytes.len(),
            data.len()
        ),
        Ok(_) => {}
        Err(message) => {
            assert!(!message.trim().is_empty(), "an empty error message");
            // ENUM and SET messages list at most 10 labels, each from the type text.
            assert!(
                message.len() <= 2_000 + 2 * column_type.len(),
                "a {}-byte error message: {message}",
                message.len()
            );
        }
    }
});
