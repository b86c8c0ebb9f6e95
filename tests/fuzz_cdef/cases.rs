//! Steps (one `cdef` or `type_of` call), cases (steps on one context) and suites (where
//! their cases come from).

use std::time::Duration;

use crate::generate::RandomCases;
use crate::pathological::pathological_cases;
use crate::regressions::regression_cases;
use jitffi::CdefOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    Cdef,
    TypeOf,
}

/// One call on a context.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) api: Api,
    /// `Some`: `cdef_with` these options instead of `cdef`.
    pub(crate) opts: Option<CdefOptions>,
    /// Hold a snapshot (`ffi.types()`) during the call, so the table is copied on write instead
    /// of changed in place; the snapshot must not change.
    pub(crate) snapshot: bool,
    pub(crate) text: String,
}

pub(crate) fn cdef(text: impl Into<String>) -> Step {
    Step {
        api: Api::Cdef,
        opts: None,
        snapshot: false,
        text: text.into(),
    }
}

pub(crate) fn type_of(text: impl Into<String>) -> Step {
    Step {
        api: Api::TypeOf,
        opts: None,
        snapshot: false,
        text: text.into(),
    }
}

impl Step {
    pub(crate) fn call(&self) -> String {
        let mut c = match (self.api, &self.opts) {
            (Api::Cdef, None) => "cdef".to_string(),
            (Api::Cdef, Some(o)) => format!("cdef_with({o:?})"),
            (Api::TypeOf, _) => "type_of".to_string(),
        };
        if self.snapshot {
            c.push_str(" [snapshot held]");
        }
        c
    }
}

/// Calls made one after the other on one context.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) name: String,
    /// Run on the accumulating context of the suite (the snippets plus what succeeded since it
    /// was built) instead of a fresh `Ffi::new()`.
    pub(crate) shared: bool,
    pub(crate) steps: Vec<Step>,
    /// A step taking longer than this violates the property (for inputs that once took
    /// super-linear time); `None`: only [`HANG_TIMEOUT`](crate::HANG_TIMEOUT) applies.
    pub(crate) limit: Option<Duration>,
}

pub(crate) fn case(name: impl Into<String>, steps: Vec<Step>) -> Case {
    Case {
        name: name.into(),
        shared: false,
        steps,
        limit: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suite {
    Random,
    Pathological,
    Regressions,
}

impl Suite {
    pub(crate) const ALL: [Suite; 3] = [Suite::Random, Suite::Pathological, Suite::Regressions];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Suite::Random => "random",
            Suite::Pathological => "pathological",
            Suite::Regressions => "regressions",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|x| x.name() == s)
    }

    pub(crate) fn cases(self) -> Box<dyn CaseSource> {
        match self {
            Suite::Random => Box::new(RandomCases::new()),
            Suite::Pathological => Box::new(pathological_cases()),
            Suite::Regressions => Box::new(regression_cases()),
        }
    }
}

pub(crate) trait CaseSource {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Case;
}

impl CaseSource for Vec<Case> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Case {
        self[i].clone()
    }
}

pub(crate) fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}
