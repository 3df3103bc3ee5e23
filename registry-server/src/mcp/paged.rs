//! A paginated list result (`tools/list` today; resources and prompts will
//! reuse it): every page serialized for each era when first asked for, and
//! opaque cursors that name the next page.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::jsonrpc::RpcError;
use super::version::{self, Era};

/// Every page of one list, for each era, serialized on first use (a process
/// that is only ever called, such as a Lambda, never pays for it).
#[derive(Debug)]
pub(crate) struct PagedList {
    key: &'static str,
    page_size: usize,
    server_info: Value,
    pages: OnceLock<Pages>,
}

#[derive(Debug)]
struct Pages {
    legacy: Vec<Arc<str>>,
    modern: Vec<Arc<str>>,
}

impl PagedList {
    /// A list whose items go under `key` (`"tools"`), `page_size` a page;
    /// modern pages carry `server_info` in their `_meta`.
    pub(crate) fn new(key: &'static str, page_size: usize, server_info: Value) -> Self {
        PagedList {
            key,
            page_size: page_size.max(1),
            server_info,
            pages: OnceLock::new(),
        }
    }

    /// The page the request's `cursor` names (none: the first); `items`
    /// builds every item, in order, the first time any page is asked for.
    pub(crate) fn page(
        &self,
        era: Era,
        params: &Map<String, Value>,
        items: impl FnOnce() -> Vec<Value>,
    ) -> Result<Arc<str>, RpcError> {
        let index = cursor_index(params)?;
        let pages = self.pages.get_or_init(|| self.serialize(items(), "public"));
        let pages = match era {
            Era::Legacy => &pages.legacy,
            Era::Modern => &pages.modern,
        };
        pages.get(index).cloned().ok_or_else(invalid_cursor)
    }

    /// Like [`PagedList::page`] for a list that depends on the caller
    /// (the registry has visibility filters): `items` are this caller's,
    /// serialized for this request only, and a modern page says
    /// `cacheScope: "private"`.
    pub(crate) fn page_for_caller(
        &self,
        era: Era,
        params: &Map<String, Value>,
        items: Vec<Value>,
    ) -> Result<Arc<str>, RpcError> {
        let index = cursor_index(params)?;
        let mut pages = self.serialize(items, "private");
        let pages = match era {
            Era::Legacy => &mut pages.legacy,
            Era::Modern => &mut pages.modern,
        };
        if index >= pages.len() {
            return Err(invalid_cursor());
        }
        Ok(pages.swap_remove(index))
    }

    fn serialize(&self, items: Vec<Value>, scope: &'static str) -> Pages {
        let chunks: Vec<&[Value]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(self.page_size).collect()
        };
        let mut legacy = Vec::with_capacity(chunks.len());
        let mut modern = Vec::with_capacity(chunks.len());
        for (index, chunk) in chunks.iter().enumerate() {
            let mut page = Map::new();
            page.insert(self.key.into(), Value::Array(chunk.to_vec()));
            if index + 1 < chunks.len() {
                page.insert("nextCursor".into(), Value::String(cursor(index + 1)));
            }
            legacy.push(Arc::from(to_string(&page)));
            version::modern_result(&mut page, Some(&self.server_info));
            page.insert("cacheScope".into(), Value::String(scope.into()));
            modern.push(Arc::from(to_string(&page)));
        }
        Pages { legacy, modern }
    }
}

/// The page index the request's `cursor` names (none: the first).
fn cursor_index(params: &Map<String, Value>) -> Result<usize, RpcError> {
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(cursor)) => parse_cursor(cursor).ok_or_else(invalid_cursor),
        Some(_) => Err(RpcError::invalid_params("`cursor` must be a string")),
    }
}

fn to_string(page: &Map<String, Value>) -> String {
    serde_json::to_string(page).expect("a JSON map always serializes")
}

fn invalid_cursor() -> RpcError {
    RpcError::invalid_params("Invalid cursor: it was not issued by this server")
}

/// An opaque-looking cursor for page `index`.
fn cursor(index: usize) -> String {
    format!("page-{index}")
}

fn parse_cursor(cursor: &str) -> Option<usize> {
    let index: usize = cursor.strip_prefix("page-")?.parse().ok()?;
    (index > 0 && cursor == self::cursor(index)).then_some(index)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        assert_eq!(parse_cursor(&cursor(3)), Some(3));
        for bad in ["", "page-0", "page-01", "page-x", "3", "page--1", "PAGE-1"] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_chain_through_cursors() {
        let list = PagedList::new("things", 2, json!({"name": "t"}));
        let items = || (0..5).map(|i| json!(i)).collect();
        let mut params = Map::new();
        let mut seen = Vec::new();
        loop {
            let page: Value = serde_json::from_str(&list.page(Era::Legacy, &params, items).unwrap()).unwrap();
            seen.extend(page["things"].as_array().unwrap().iter().cloned());
            match page.get("nextCursor") {
                Some(next) => params.insert("cursor".into(), next.clone()),
                None => break,
            };
        }
        assert_eq!(seen, (0..5).map(|i| json!(i)).collect::<Vec<_>>());
        let modern: Value = serde_json::from_str(&list.page(Era::Modern, &Map::new(), items).unwrap()).unwrap();
        assert_eq!(modern["resultType"], "complete");
        assert_eq!(modern["cacheScope"], "public");
        params.insert("cursor".into(), json!("page-9"));
        assert!(list.page(Era::Legacy, &params, items).is_err());
        params.insert("cursor".into(), json!(1));
        assert!(list.page(Era::Legacy, &params, items).is_err());
    }
}
