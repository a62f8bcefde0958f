//! `?limit=&cursor=` on every collection, answered as `{items, next_cursor}`.

use agir_persistence::page::{self, DEFAULT_LIMIT, MAX_LIMIT, PageRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::problem::ApiError;

/// Page selection of a collection.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl PageParams {
    /// Validates the limit and decodes the cursor (422 on either).
    pub fn request<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(cursor) => Some(page::decode_cursor(cursor).ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "invalid_cursor",
                    "is not a cursor returned by this API",
                )
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// Declares the response schema of a page of `$item`, named `$name`.
#[macro_export]
macro_rules! page_schema {
    ($name:ident, $item:ty) => {
        /// One page of a collection; pass `next_cursor` as `?cursor=` for the next page.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(
                page: agir_persistence::page::Page<T>,
                f: impl FnMut(T) -> $item,
            ) -> Self {
                let page = page.map(f);
                Self {
                    items: page.items,
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}
