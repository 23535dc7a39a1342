//! The values of a namespace's `[param]` folders.

use std::{ops::Index, sync::Arc};

/// The parameters of a dynamic namespace: for `/game/{roomId}` reached as
/// `/game/42`, `params["roomId"] == "42"`. Empty for static namespaces.
#[derive(Debug, Clone, Default)]
pub struct Params {
    names: Arc<[Box<str>]>,
    values: Box<[Box<str>]>,
}

impl Params {
    pub(crate) fn new(names: Arc<[Box<str>]>, values: Box<[Box<str>]>) -> Self {
        debug_assert_eq!(names.len(), values.len());
        Params { names, values }
    }

    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let index = self.names.iter().position(|n| &**n == name)?;
        self.values.get(index).map(|v| &**v)
    }

    /// Every `(name, value)` pair, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names
            .iter()
            .map(|n| &**n)
            .zip(self.values.iter().map(|v| &**v))
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the namespace is static.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Index<&str> for Params {
    type Output = str;

    /// # Panics
    /// When the namespace has no parameter `name`; use [`Params::get`] to test.
    fn index(&self, name: &str) -> &str {
        self.get(name)
            .unwrap_or_else(|| panic!("this namespace has no parameter `{name}`"))
    }
}

impl serde::Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}
