//! Handles of variables and rows ↔ GLPK's column and row numbers.

use std::collections::HashMap;
use std::rc::Rc;

/// Handles ↔ GLPK numbers (1-based) of columns or rows. Until the first deletion, handle `k`
/// is number `k + 1` and no table is kept; GLPK keeps the survivors of a deletion in order.
#[derive(Default)]
pub(super) struct Numbering {
    /// Handles made so far (ids `0..made`).
    made: usize,
    /// After a deletion: id → number (0 once deleted), and number - 1 → id.
    map: Option<(Vec<i32>, Vec<u32>)>,
}

impl Numbering {
    /// How many are in the problem.
    pub(super) fn len(&self) -> usize {
        self.map.as_ref().map_or(self.made, |(_, ids)| ids.len())
    }

    /// How many handles were made (deleted ones included).
    pub(super) fn made(&self) -> usize {
        self.made
    }

    /// The number of handle `id`, 0 if it was deleted (or never made).
    #[inline]
    pub(super) fn num(&self, id: u32) -> i32 {
        match &self.map {
            None if (id as usize) < self.made => id as i32 + 1,
            None => 0,
            Some((nums, _)) => nums.get(id as usize).copied().unwrap_or(0),
        }
    }

    /// The handle of number `num` (1-based, in range).
    pub(super) fn id(&self, num: i32) -> u32 {
        match &self.map {
            None => num as u32 - 1,
            Some((_, ids)) => ids[num as usize - 1],
        }
    }

    /// The handles, in number order.
    pub(super) fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=self.len() as i32).map(|k| self.id(k))
    }

    /// A new handle, numbered after the last.
    pub(super) fn push(&mut self) -> u32 {
        let id = self.made as u32;
        self.made += 1;
        if let Some((nums, ids)) = &mut self.map {
            ids.push(id);
            nums.push(ids.len() as i32);
        }
        id
    }

    /// Forgets the handles from `made` on (the last ones made; none deleted since).
    pub(super) fn truncate(&mut self, made: usize) {
        let dropped = self.made - made;
        self.made = made;
        if let Some((nums, ids)) = &mut self.map {
            nums.truncate(made);
            ids.truncate(ids.len() - dropped);
        }
    }

    /// Marks `deleted` as deleted and renumbers the rest in order.
    pub(super) fn delete(&mut self, deleted: impl Iterator<Item = u32>) {
        let (nums, ids) = self.map.get_or_insert_with(|| {
            let nums = (1..=self.made as i32).collect();
            let ids = (0..self.made as u32).collect();
            (nums, ids)
        });
        for id in deleted {
            nums[id as usize] = 0;
        }
        ids.retain(|&id| nums[id as usize] != 0);
        for (k, &id) in ids.iter().enumerate() {
            nums[id as usize] = k as i32 + 1;
        }
    }
}

/// The names of a problem's variables (or rows), kept beside GLPK's so that a duplicate is
/// refused when it is given and messages name deleted items too. Unnamed items cost nothing.
#[derive(Default)]
pub(super) struct Names {
    /// Name → handle, for the live items (a deleted item's name is free again).
    by_name: HashMap<Rc<str>, u32>,
    /// Handle → name, deleted items included.
    by_id: HashMap<u32, Rc<str>>,
}

impl Names {
    /// The name of handle `id`, if it has (or had) one.
    pub(super) fn get(&self, id: u32) -> Option<&str> {
        self.by_id.get(&id).map(|n| &**n)
    }

    /// The live handle named `name`.
    pub(super) fn find(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// Names handle `id` (its name must be free: [`Names::find`] said `None`).
    pub(super) fn insert(&mut self, id: u32, name: &str) {
        let name: Rc<str> = Rc::from(name);
        self.by_name.insert(name.clone(), id);
        self.by_id.insert(id, name);
    }

    /// Frees the names of deleted handles (messages still show them).
    pub(super) fn release(&mut self, ids: &[u32]) {
        for id in ids {
            if let Some(name) = self.by_id.get(id)
                && self.by_name.get(name) == Some(id)
            {
                self.by_name.remove(name);
            }
        }
    }

    /// Forgets handles from `first` on (an `add_vars` that failed).
    pub(super) fn truncate(&mut self, first: u32) {
        if self.by_id.is_empty() {
            return;
        }
        self.by_id.retain(|&id, _| id < first);
        self.by_name.retain(|_, id| *id < first);
    }

    /// Forgets every name.
    pub(super) fn clear(&mut self) {
        self.by_id.clear();
        self.by_name.clear();
    }
}
