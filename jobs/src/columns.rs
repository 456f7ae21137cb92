//! Columns of query results by name, decoded once per batch into plain Rust values, whatever
//! Arrow type the engine chose (strings may come back as views, counts as any integer
//! width). Errors name the query or file and the column.

use crate::{Error, Result};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, TimeUnit};
use std::sync::Arc;

/// One batch of a named source (a query or a file), for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    batch: &'a RecordBatch,
    source: &'a str,
}

impl<'a> Columns<'a> {
    /// The columns of `batch`, which came from `source`.
    pub fn new(batch: &'a RecordBatch, source: &'a str) -> Self {
        Columns { batch, source }
    }

    fn bad(&self, field: &str, message: String) -> Error {
        Error::Data {
            path: self.source.to_string(),
            field: field.to_string(),
            message,
        }
    }

    fn cast(&self, name: &str, to: &DataType) -> Result<ArrayRef> {
        let col = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| self.bad(name, "missing from the result".into()))?;
        arrow::compute::cast(col, to).map_err(|e| self.bad(name, format!("expected {to}: {e}")))
    }

    /// Strings (NULL as `None`).
    pub fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        let col = self.cast(name, &DataType::Utf8)?;
        let a = col.as_string::<i32>();
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
            .collect())
    }

    /// Strings, NULL as the empty string.
    pub fn texts(&self, name: &str) -> Result<Vec<String>> {
        Ok(self
            .strings(name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// Integers of any width (NULL as `None`).
    pub fn ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        let col = self.cast(name, &DataType::Int64)?;
        let a = col.as_primitive::<Int64Type>();
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect())
    }

    /// Integers, NULL as 0 (counts).
    pub fn counts(&self, name: &str) -> Result<Vec<i64>> {
        Ok(self
            .ints(name)?
            .into_iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    }

    /// Floating-point numbers (NULL as `None`).
    pub fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let col = self.cast(name, &DataType::Float64)?;
        let a = col.as_primitive::<Float64Type>();
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect())
    }

    /// Booleans (NULL as `None`).
    pub fn bools(&self, name: &str) -> Result<Vec<Option<bool>>> {
        let col = self.cast(name, &DataType::Boolean)?;
        let a = col.as_boolean();
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect())
    }

    /// Timestamps as microseconds since the epoch (NULL as 0).
    pub fn micros(&self, name: &str) -> Result<Vec<i64>> {
        let col = self.cast(name, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
        let a = col.as_primitive::<TimestampMicrosecondType>();
        Ok((0..a.len()).map(|i| a.value(i)).collect())
    }

    /// Lists of strings (NULL lists empty, NULL items dropped).
    pub fn string_lists(&self, name: &str) -> Result<Vec<Vec<String>>> {
        let target = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        let col = self.cast(name, &target)?;
        let list = col.as_list::<i32>();
        Ok((0..list.len())
            .map(|i| {
                if list.is_null(i) {
                    return Vec::new();
                }
                let v = list.value(i);
                let s = v.as_string::<i32>();
                (0..s.len())
                    .filter(|&j| s.is_valid(j))
                    .map(|j| s.value(j).to_string())
                    .collect()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, ListBuilder, StringBuilder, StringViewArray};

    #[test]
    fn views_and_narrow_integers_read_as_plain_values_and_errors_name_the_column() {
        let mut tags = ListBuilder::new(StringBuilder::new());
        tags.values().append_value("a");
        tags.append(true);
        tags.append(false);
        let batch = RecordBatch::try_from_iter(vec![
            (
                "s",
                Arc::new(StringViewArray::from(vec![Some("x"), None])) as ArrayRef,
            ),
            (
                "n",
                Arc::new(Int32Array::from(vec![Some(3), None])) as ArrayRef,
            ),
            ("tags", Arc::new(tags.finish()) as ArrayRef),
        ])
        .unwrap();
        let c = Columns::new(&batch, "sql/q.sql");
        assert_eq!(c.strings("s").unwrap(), vec![Some("x".into()), None]);
        assert_eq!(c.texts("s").unwrap(), vec!["x".to_string(), String::new()]);
        assert_eq!(c.counts("n").unwrap(), vec![3, 0]);
        assert_eq!(
            c.string_lists("tags").unwrap(),
            vec![vec!["a".to_string()], vec![]]
        );
        let e = c.ints("missing").unwrap_err().to_string();
        assert!(e.contains("sql/q.sql") && e.contains("missing"), "{e}");
    }
}
