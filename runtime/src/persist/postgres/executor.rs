//! The open transaction as custom handlers see it ([`SqlExecutor`]).
//!
//! Parameters are encoded for the type PostgreSQL inferred for each placeholder:
//! integers, floats, booleans and text as such, text also for uuid, json, jsonb and
//! enums, and a number or boolean for a text placeholder as its text. Any other
//! combination is an error that says to cast the placeholder (`$1::text::inet`).
//! Query results decode booleans, integers, floats, numeric, text-like values and
//! enums, uuid, json and jsonb; other columns must be cast to text in the query.

use std::error::Error;

use async_trait::async_trait;
use bytes::{BufMut, BytesMut};
use deadpool_postgres::Transaction;
use serde_json::{Map, Number, Value};
use tokio_postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use super::PostgresPersister;
use super::error::from_pg;
use crate::hooks::{SqlExecutor, SqlParam};
use crate::schema::DatabaseSchema;
use crate::vocab::{DbError, Dialect, MappedEntry};

type BoxError = Box<dyn Error + Sync + Send>;

pub struct TxExecutor<'t, 'c> {
    tx: &'t Transaction<'c>,
    persister: &'t PostgresPersister,
    schema: &'t DatabaseSchema,
    /// The uploader's subject, for guarded default writes.
    subject: &'t str,
    /// The handler's entry: errors of its statements are located there.
    operation_index: usize,
}

impl<'t, 'c> TxExecutor<'t, 'c> {
    pub fn new(
        tx: &'t Transaction<'c>,
        persister: &'t PostgresPersister,
        schema: &'t DatabaseSchema,
        subject: &'t str,
        operation_index: usize,
    ) -> Self {
        TxExecutor {
            tx,
            persister,
            schema,
            subject,
            operation_index,
        }
    }

    fn error(&self, error: &tokio_postgres::Error) -> DbError {
        from_pg(error, Some(self.operation_index))
    }
}

#[async_trait]
impl SqlExecutor for TxExecutor<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, sql: &str, params: &[SqlParam]) -> Result<u64, DbError> {
        let statement = self
            .tx
            .prepare_cached(sql)
            .await
            .map_err(|e| self.error(&e))?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.tx
            .execute(&statement, &refs)
            .await
            .map_err(|e| self.error(&e))
    }

    async fn query(
        &mut self,
        sql: &str,
        params: &[SqlParam],
    ) -> Result<Vec<Map<String, Value>>, DbError> {
        let statement = self
            .tx
            .prepare_cached(sql)
            .await
            .map_err(|e| self.error(&e))?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self
            .tx
            .query(&statement, &refs)
            .await
            .map_err(|e| self.error(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut object = Map::new();
            for (index, column) in row.columns().iter().enumerate() {
                let AnyValue(value) = row.try_get(index).map_err(|e| self.error(&e))?;
                object.insert(column.name().to_string(), value);
            }
            out.push(object);
        }
        Ok(out)
    }

    async fn apply_default(&mut self, entry: &MappedEntry) -> Result<(), DbError> {
        self.persister
            .apply_one(self.tx, self.schema, entry, self.subject)
            .await
    }
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || ty.name() == "citext"
        || matches!(ty.kind(), Kind::Enum(_))
}

/// A handler's parameter, encoded for the placeholder's inferred type.
#[derive(Debug)]
struct Param<'a>(&'a SqlParam);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let cast = || -> BoxError {
            format!(
                "a {:?} parameter cannot be sent as {}: cast the placeholder, e.g. `$1::text::{}`",
                self.0, ty, ty
            )
            .into()
        };
        match self.0 {
            SqlParam::Null => Ok(IsNull::Yes),
            SqlParam::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            SqlParam::Bool(b) if is_text(ty) => b.to_string().as_str().to_sql(&Type::TEXT, out),
            SqlParam::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT8 => i.to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                _ if is_text(ty) => i.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(cast()),
            },
            SqlParam::Float(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                _ if is_text(ty) => f.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(cast()),
            },
            SqlParam::Text(s) => match *ty {
                Type::UUID => {
                    out.put_slice(uuid::Uuid::parse_str(s)?.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    serde_json::from_str::<serde::de::IgnoredAny>(s)?;
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSONB => {
                    serde_json::from_str::<serde::de::IgnoredAny>(s)?;
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::INT2 => s.trim().parse::<i16>()?.to_sql(ty, out),
                Type::INT4 => s.trim().parse::<i32>()?.to_sql(ty, out),
                Type::INT8 => s.trim().parse::<i64>()?.to_sql(ty, out),
                Type::FLOAT4 => s.trim().parse::<f32>()?.to_sql(ty, out),
                Type::FLOAT8 => s.trim().parse::<f64>()?.to_sql(ty, out),
                _ if is_text(ty) => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(cast()),
            },
            SqlParam::Bool(_) => Err(cast()),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A result column as JSON.
struct AnyValue(Value);

impl<'a> FromSql<'a> for AnyValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let value = match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::from(i16::from_sql(ty, raw)?),
            Type::INT4 => Value::from(i32::from_sql(ty, raw)?),
            Type::INT8 => Value::from(i64::from_sql(ty, raw)?),
            Type::OID => Value::from(u32::from_sql(ty, raw)?),
            Type::FLOAT4 => Number::from_f64(f64::from(f32::from_sql(ty, raw)?))
                .map_or(Value::Null, Value::Number),
            Type::FLOAT8 => {
                Number::from_f64(f64::from_sql(ty, raw)?).map_or(Value::Null, Value::Number)
            }
            Type::NUMERIC => Value::String(numeric_text(raw)?),
            Type::UUID => Value::String(uuid::Uuid::from_slice(raw)?.hyphenated().to_string()),
            Type::JSON => serde_json::from_slice(raw)?,
            Type::JSONB => serde_json::from_slice(raw.get(1..).unwrap_or_default())?,
            _ if is_text(ty) => Value::String(std::str::from_utf8(raw)?.to_string()),
            _ => {
                return Err(
                    format!("cannot read a {ty} column: cast it to text in the query").into(),
                );
            }
        };
        Ok(AnyValue(value))
    }

    fn from_sql_null(_ty: &Type) -> Result<Self, BoxError> {
        Ok(AnyValue(Value::Null))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// The binary `numeric` format (base-10000 digits) as decimal text.
fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |at: usize| -> Result<i32, BoxError> {
        let bytes = raw.get(at..at + 2).ok_or("truncated numeric")?;
        Ok(i32::from(i16::from_be_bytes([bytes[0], bytes[1]])))
    };
    let (count, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    match sign {
        0xC000 => return Ok("NaN".to_string()),
        0xD000 => return Ok("Infinity".to_string()),
        0xF000 => return Ok("-Infinity".to_string()),
        _ => {}
    }
    let digits: Vec<i32> = (0..count.max(0) as usize)
        .map(|i| word(8 + 2 * i))
        .collect::<Result<_, _>>()?;
    let digit = |position: i32| -> i32 {
        usize::try_from(position)
            .ok()
            .and_then(|p| digits.get(p))
            .copied()
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for position in 0..=weight {
            let group = digit(position);
            if position == 0 {
                text.push_str(&group.to_string());
            } else {
                text.push_str(&format!("{group:04}"));
            }
        }
    }
    if scale > 0 {
        text.push('.');
        let mut fraction = String::new();
        let mut position = weight + 1;
        while (fraction.len() as i32) < scale {
            fraction.push_str(&format!("{:04}", digit(position)));
            position += 1;
        }
        fraction.truncate(scale as usize);
        text.push_str(&fraction);
    }
    Ok(text)
}
