//! Multi-row upserts by natural key, written once for both dialects: insert, or
//! update the other columns only when one differs (`IS DISTINCT FROM`), so that
//! `rows_affected` counts real changes and re-imports change nothing.

use std::collections::HashMap;

use sqlx::AnyConnection;

/// A value to bind. NULLs are typed: PostgreSQL refuses a text NULL in a BIGINT column.
#[derive(Debug, Clone)]
pub enum Val {
    Text(String),
    Int(i64),
    NullText,
    NullInt,
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_owned())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}
impl From<i64> for Val {
    fn from(i: i64) -> Self {
        Val::Int(i)
    }
}
impl From<Option<String>> for Val {
    fn from(o: Option<String>) -> Self {
        o.map_or(Val::NullText, Val::Text)
    }
}
impl From<Option<&str>> for Val {
    fn from(o: Option<&str>) -> Self {
        o.map_or(Val::NullText, Into::into)
    }
}
impl From<Option<i64>> for Val {
    fn from(o: Option<i64>) -> Self {
        o.map_or(Val::NullInt, Val::Int)
    }
}

/// The upsert of one table: insert, or update the non-key columns when any differ.
pub struct Upsert<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub keys: &'a [&'a str],
    /// Columns written on insert and update but not compared (e.g. `updated_at`).
    pub untracked: &'a [&'a str],
}

impl Upsert<'_> {
    fn sql(&self, rows: usize) -> String {
        let n = self.columns.len();
        let values: Vec<String> = (0..rows)
            .map(|r| {
                let ps: Vec<String> = (1..=n).map(|c| format!("${}", r * n + c)).collect();
                format!("({})", ps.join(", "))
            })
            .collect();
        let rest: Vec<&&str> = self
            .columns
            .iter()
            .filter(|c| !self.keys.contains(c))
            .collect();
        let set: Vec<String> = rest.iter().map(|c| format!("{c} = excluded.{c}")).collect();
        let differ: Vec<String> = rest
            .iter()
            .filter(|c| !self.untracked.contains(c))
            .map(|c| format!("{t}.{c} IS DISTINCT FROM excluded.{c}", t = self.table))
            .collect();
        let action = if set.is_empty() {
            "NOTHING".to_owned()
        } else {
            format!(
                "UPDATE SET {} WHERE {}",
                set.join(", "),
                differ.join(" OR ")
            )
        };
        format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO {}",
            self.table,
            self.columns.join(", "),
            values.join(", "),
            self.keys.join(", "),
            action
        )
    }

    /// One statement may not upsert a key twice (PostgreSQL refuses), and derived
    /// rows repeat (several plans share a school): the last row of a key wins.
    fn distinct_keys(&self, rows: Vec<Vec<Val>>) -> Vec<Vec<Val>> {
        let key_at: Vec<usize> = self
            .keys
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c == k))
            .collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<Vec<Val>> = Vec::with_capacity(rows.len());
        for row in rows {
            let key = format!(
                "{:?}",
                key_at.iter().map(|&i| row.get(i)).collect::<Vec<_>>()
            );
            match index.get(&key) {
                Some(&at) => out[at] = row,
                None => {
                    index.insert(key, out.len());
                    out.push(row);
                }
            }
        }
        out
    }

    pub async fn run(
        &self,
        conn: &mut AnyConnection,
        rows: Vec<Vec<Val>>,
    ) -> Result<u64, sqlx::Error> {
        let rows = self.distinct_keys(rows);
        // Both dialects accept well over 30,000 parameters per statement.
        let per_chunk = (30_000 / self.columns.len()).clamp(1, 500);
        let mut changed = 0;
        for chunk in rows.chunks(per_chunk) {
            let sql = self.sql(chunk.len());
            let mut q = sqlx::query(&sql);
            for v in chunk.iter().flatten() {
                q = match v {
                    Val::Text(s) => q.bind(s.clone()),
                    Val::Int(i) => q.bind(*i),
                    Val::NullText => q.bind(None::<String>),
                    Val::NullInt => q.bind(None::<i64>),
                };
            }
            changed += q.execute(&mut *conn).await?.rows_affected();
        }
        Ok(changed)
    }
}
