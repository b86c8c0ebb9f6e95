//! [`Context`]: what an [`Ffi`](crate::Ffi) and everything made from it share: the target, the
//! type table (copied on write by cdef transactions), the JIT engine, the default backend and
//! the cache of resolved functions. The facade (`ffi`), the type handle (`ty`), C data and
//! callbacks hold a `Context`, so none of them needs the facade.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::call::{Backend, Function};
use crate::cdef::{self, CdefError};
use crate::ctype::{CType, TypeId, TypeTable};
use crate::jit::JitEngine;
use crate::layout::Target;

/// The state of one context, shared by its clones.
pub(crate) struct Shared {
    pub(crate) target: Target,
    pub(crate) table: RwLock<Arc<TypeTable>>,
    /// Serialises writers (cdef, type_of) so none loses another's types.
    pub(crate) write: Mutex<()>,
    /// The JIT engine, created on first use (shared by every function of this context).
    pub(crate) engine: Arc<OnceLock<Result<Arc<JitEngine>, String>>>,
    /// The default backend of untyped calls.
    pub(crate) backend: Mutex<Backend>,
    /// Functions already resolved, per (library, name).
    pub(crate) functions: Mutex<HashMap<(usize, String), Function>>,
}

/// A handle on a context's shared state; cheap to clone.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) shared: Arc<Shared>,
}

impl Context {
    pub(crate) fn new(target: Target, table: Arc<TypeTable>) -> Context {
        Context {
            shared: Arc::new(Shared {
                target,
                table: RwLock::new(table),
                write: Mutex::new(()),
                engine: Arc::new(OnceLock::new()),
                backend: Mutex::new(Backend::Auto),
                functions: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The target whose data model the context uses.
    pub(crate) fn target(&self) -> &Target {
        &self.shared.target
    }

    /// A snapshot of the type table. Later declarations do not change it.
    pub(crate) fn types(&self) -> Arc<TypeTable> {
        self.shared
            .table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Runs `f` on the table in a transaction: its changes are kept if it returns `Ok` and
    /// undone otherwise. The table is modified in place unless a snapshot of it is still held
    /// (a [`Type`](crate::Type), a `types()` result), in which case it is copied first (copy on write), so
    /// snapshots never change.
    pub(crate) fn transaction<T, E>(
        &self,
        f: impl FnOnce(&mut TypeTable) -> Result<T, E>,
    ) -> Result<T, E> {
        let _writer = self.shared.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut guard = self.shared.table.write().unwrap_or_else(|e| e.into_inner());
        let table = Arc::make_mut(&mut guard);
        table.begin();
        match f(table) {
            Ok(v) => {
                table.commit();
                Ok(v)
            }
            Err(e) => {
                table.rollback();
                Err(e)
            }
        }
    }

    /// The type a C type name denotes ([`Ffi::type_of`](crate::Ffi::type_of)), with the stage's
    /// own error: its id and a snapshot of the table that has it.
    pub(crate) fn resolve(&self, name: &str) -> Result<(Arc<TypeTable>, TypeId), CdefError> {
        let target = &self.shared.target;
        // Fast path: the type already exists; no change to the table needed. The snapshot is
        // dropped before the transaction so the table is not copied on write.
        {
            let snapshot = self.types();
            if let Some(id) = quick_type(&snapshot, name) {
                return Ok((snapshot, id));
            }
        }
        let id = self.transaction(|t| cdef::parse_type_name(t, target, name))?;
        Ok((self.types(), id))
    }

    /// A number that identifies this context (and its clones) while it lives.
    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    /// The context's JIT engine, made on first use.
    pub(crate) fn engine(&self) -> Result<Arc<JitEngine>, String> {
        crate::call::engine_of(&self.shared.engine)
    }

    /// The context's engine cell (made on first use), shared with what it creates.
    pub(crate) fn shared_engine(&self) -> crate::call::SharedEngine {
        self.shared.engine.clone()
    }

    /// The backend set by [`Ffi::set_backend`](crate::Ffi::set_backend).
    pub(crate) fn default_backend(&self) -> Backend {
        *self
            .shared
            .backend
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// Looks up simple type names without parsing: typedef names, base types, `struct tag`.
fn quick_type(t: &TypeTable, name: &str) -> Option<TypeId> {
    let name = name.trim();
    if let Some(id) = t.typedef(name) {
        return Some(id);
    }
    if let Some(p) = crate::ctype::Prim::ALL.iter().find(|p| p.c_name() == name) {
        return Some(t.prim(*p));
    }
    if name == "void" {
        return Some(t.void());
    }
    let mut words = name.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("struct" | "union" | "enum"), Some(tag), None) => {
            let id = t.tag(tag)?;
            let kw = match t.get(id) {
                CType::Record(r) => r.kind.keyword(),
                CType::Enum(_) => "enum",
                _ => return None,
            };
            name.starts_with(kw).then_some(id)
        }
        _ => None,
    }
}
