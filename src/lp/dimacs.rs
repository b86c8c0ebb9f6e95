//! DIMACS minimum-cost-flow instances: reading, writing, and a deterministic generator of
//! feasible ones (for the benchmark and tests; `glpsol --mincost` reads the same files).
//!
//! The format: `c` comment lines, one `p min NODES ARCS` line, `n ID FLOW` lines for nodes
//! with a supply (positive) or demand (negative), and `a SRC DST LOW CAP COST` lines. Node ids
//! are 1-based.

use std::fmt::Write as _;
use std::path::Path;

use super::LpError;

/// One arc: flow from `src` to `dst` (1-based node ids) within `[low, cap]`, at `cost` per
/// unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arc {
    /// Tail node.
    pub src: u32,
    /// Head node.
    pub dst: u32,
    /// Lower bound of the flow.
    pub low: i64,
    /// Capacity (upper bound of the flow).
    pub cap: i64,
    /// Cost per unit of flow.
    pub cost: i64,
}

/// A min-cost-flow instance: `supply[v - 1]` for node `v` (negative for a demand), and arcs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct McfInstance {
    /// Supply of each node (index = id - 1).
    pub supply: Vec<i64>,
    /// The arcs, in file order.
    pub arcs: Vec<Arc>,
}

/// Parameters of [`McfInstance::generate`].
#[derive(Clone, Debug)]
pub struct McfSpec {
    /// Number of nodes.
    pub nodes: usize,
    /// Number of arcs (at least `nodes`: a Hamiltonian cycle comes first).
    pub arcs: usize,
    /// Number of supply nodes.
    pub sources: usize,
    /// Number of demand nodes.
    pub sinks: usize,
    /// Total supply (= total demand).
    pub total_supply: i64,
    /// Arc costs are drawn from `1..=max_cost`.
    pub max_cost: i64,
    /// Capacities of the arcs off the cycle are drawn from `1..=max_cap`.
    pub max_cap: i64,
    /// Seed of the generator: the same spec gives the same instance.
    pub seed: u64,
}

impl McfSpec {
    /// The benchmark's size class (the pplp benchmark's): 154,072 nodes, 390,334 arcs, 20
    /// sources and 20 sinks.
    pub fn benchmark() -> McfSpec {
        McfSpec {
            nodes: 154_072,
            arcs: 390_334,
            ..McfSpec::small(0, 0)
        }
    }

    /// A smaller instance with the benchmark's shape.
    pub fn small(nodes: usize, arcs: usize) -> McfSpec {
        McfSpec {
            nodes,
            arcs,
            sources: 20,
            sinks: 20,
            total_supply: 400_000,
            max_cost: 100,
            max_cap: 100_000,
            seed: 1,
        }
    }
}

/// SplitMix64: small, fast, and fixed forever (instances must not change between versions).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by rejection.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let r = self.next();
            if r < zone {
                return r % n;
            }
        }
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

impl McfInstance {
    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.supply.len()
    }

    /// Generates a feasible instance. Every node lies on a directed Hamiltonian cycle whose
    /// arcs can carry the whole supply, so any supply/demand pattern has a feasible flow; the
    /// other arcs join random node pairs with random capacities. Costs are random everywhere,
    /// so the optimum mixes cycle paths and shortcuts.
    ///
    /// # Errors
    ///
    /// [`LpError::Invalid`] when the spec cannot be met (fewer arcs than nodes, more sources
    /// and sinks than nodes, fewer than 2 nodes, non-positive ranges).
    pub fn generate(spec: &McfSpec) -> Result<McfInstance, LpError> {
        let bad = |m: &str| Err(LpError::Invalid(format!("McfSpec: {m}")));
        if spec.nodes < 2 || spec.nodes > u32::MAX as usize {
            return bad("nodes must be in 2..=2^32-1");
        }
        if spec.arcs < spec.nodes {
            return bad("arcs must be at least nodes (the cycle)");
        }
        if spec.sources == 0 || spec.sinks == 0 || spec.sources + spec.sinks > spec.nodes {
            return bad("sources and sinks must be at least 1 and together at most nodes");
        }
        if spec.total_supply < (spec.sources.max(spec.sinks)) as i64
            || spec.max_cost < 1
            || spec.max_cap < 1
        {
            return bad(
                "total_supply must cover one unit per source and sink; max_cost and max_cap ≥ 1",
            );
        }
        let mut rng = SplitMix(spec.seed ^ 0x6a69_7466_6669_6c70);
        let n = spec.nodes;
        // A random order of the nodes: the cycle, and the roles (first sources, then sinks).
        let mut order: Vec<u32> = (1..=n as u32).collect();
        for i in (1..n).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        let mut supply = vec![0i64; n];
        let split = |rng: &mut SplitMix, total: i64, parts: usize| -> Vec<i64> {
            // `parts` positive amounts summing to `total`: one unit each, the rest at random.
            let mut amounts = vec![1i64; parts];
            let rest = total - parts as i64;
            let mut cuts: Vec<i64> = (0..parts - 1).map(|_| rng.range(0, rest)).collect();
            cuts.push(0);
            cuts.push(rest);
            cuts.sort_unstable();
            for (k, w) in cuts.windows(2).enumerate() {
                amounts[k] += w[1] - w[0];
            }
            amounts
        };
        let sources = split(&mut rng, spec.total_supply, spec.sources);
        let sinks = split(&mut rng, spec.total_supply, spec.sinks);
        let mut roles: Vec<u32> = order.clone();
        for i in (1..n).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            roles.swap(i, j);
        }
        for (k, &s) in sources.iter().enumerate() {
            supply[roles[k] as usize - 1] = s;
        }
        for (k, &d) in sinks.iter().enumerate() {
            supply[roles[spec.sources + k] as usize - 1] = -d;
        }
        let mut arcs = Vec::with_capacity(spec.arcs);
        for i in 0..n {
            arcs.push(Arc {
                src: order[i],
                dst: order[(i + 1) % n],
                low: 0,
                cap: spec.total_supply,
                cost: rng.range(1, spec.max_cost),
            });
        }
        while arcs.len() < spec.arcs {
            let src = rng.below(n as u64) as u32 + 1;
            let dst = rng.below(n as u64) as u32 + 1;
            if src == dst {
                continue;
            }
            arcs.push(Arc {
                src,
                dst,
                low: 0,
                cap: rng.range(1, spec.max_cap),
                cost: rng.range(1, spec.max_cost),
            });
        }
        // Shuffle so the cycle arcs are not all first in the file.
        for i in (1..arcs.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            arcs.swap(i, j);
        }
        Ok(McfInstance { supply, arcs })
    }

    /// The instance in DIMACS format.
    pub fn to_dimacs(&self) -> String {
        let mut s = String::with_capacity(self.arcs.len() * 24 + 64);
        let _ = writeln!(s, "c min-cost flow instance written by jitffi::lp");
        let _ = writeln!(s, "p min {} {}", self.nodes(), self.arcs.len());
        for (i, &b) in self.supply.iter().enumerate() {
            if b != 0 {
                let _ = writeln!(s, "n {} {b}", i + 1);
            }
        }
        for a in &self.arcs {
            let _ = writeln!(s, "a {} {} {} {} {}", a.src, a.dst, a.low, a.cap, a.cost);
        }
        s
    }

    /// Writes the instance to a DIMACS file.
    ///
    /// # Errors
    ///
    /// [`LpError::Io`].
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), LpError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_dimacs()).map_err(|e| LpError::Io {
            path: path.display().to_string(),
            message: "cannot write the file".into(),
            source: Some(std::sync::Arc::new(e)),
        })
    }

    /// Reads a DIMACS file.
    ///
    /// # Errors
    ///
    /// [`LpError::Io`], or [`LpError::Dimacs`] with `path:line: message` (`path: message` for
    /// what concerns the whole file).
    pub fn read(path: impl AsRef<Path>) -> Result<McfInstance, LpError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| LpError::Io {
            path: path.display().to_string(),
            message: "cannot read the file".into(),
            source: Some(std::sync::Arc::new(e)),
        })?;
        McfInstance::parse(&text).map_err(|(line, m)| match line {
            0 => LpError::Dimacs(format!("{}: {m}", path.display())),
            _ => LpError::Dimacs(format!("{}:{line}: {m}", path.display())),
        })
    }

    /// Parses DIMACS text; errors are `(line, message)`, lines counted from 1 (0 for what
    /// concerns the whole file).
    ///
    /// # Errors
    ///
    /// A missing or repeated `p min` line, unknown line kinds, bad numbers, node ids out of
    /// range, more or fewer arcs than announced, supplies that do not sum to 0, `low > cap`.
    pub fn parse(text: &str) -> Result<McfInstance, (usize, String)> {
        let mut supply: Option<Vec<i64>> = None;
        let mut arcs = Vec::new();
        let mut n_arcs = 0usize;
        for (k, line) in text.lines().enumerate() {
            let ln = k + 1;
            let mut f = line.split_ascii_whitespace();
            let Some(kind) = f.next() else { continue };
            let mut int = |what: &str| -> Result<i64, (usize, String)> {
                let tok = f.next().ok_or_else(|| (ln, format!("missing {what}")))?;
                tok.parse::<i64>()
                    .map_err(|_| (ln, format!("{what} '{tok}' is not an integer")))
            };
            match kind {
                "c" => {}
                "p" => {
                    let tok = f.next();
                    if tok != Some("min") {
                        return Err((ln, "expected 'p min NODES ARCS'".into()));
                    }
                    if supply.is_some() {
                        return Err((ln, "a second 'p' line".into()));
                    }
                    let mut int = |what: &str| -> Result<i64, (usize, String)> {
                        let tok = f.next().ok_or_else(|| (ln, format!("missing {what}")))?;
                        tok.parse::<i64>()
                            .map_err(|_| (ln, format!("{what} '{tok}' is not an integer")))
                    };
                    let nodes = int("node count")?;
                    let m = int("arc count")?;
                    if !(1..=i64::from(u32::MAX)).contains(&nodes) || m < 0 {
                        return Err((ln, format!("bad sizes {nodes} {m}")));
                    }
                    supply = Some(vec![0; nodes as usize]);
                    n_arcs = m as usize;
                    arcs.reserve(n_arcs);
                }
                "n" | "a" => {
                    let Some(s) = supply.as_mut() else {
                        return Err((ln, "'n' or 'a' line before the 'p' line".into()));
                    };
                    let n = s.len() as i64;
                    let mut node = |what: &str| -> Result<u32, (usize, String)> {
                        let v = int(what)?;
                        if v < 1 || v > n {
                            return Err((ln, format!("{what} {v} is not a node (1..={n})")));
                        }
                        Ok(v as u32)
                    };
                    if kind == "n" {
                        let id = node("node id")?;
                        s[id as usize - 1] = int("supply")?;
                    } else {
                        let src = node("source")?;
                        let dst = node("destination")?;
                        let (low, cap, cost) =
                            (int("lower bound")?, int("capacity")?, int("cost")?);
                        if low > cap {
                            return Err((ln, format!("lower bound {low} above capacity {cap}")));
                        }
                        arcs.push(Arc {
                            src,
                            dst,
                            low,
                            cap,
                            cost,
                        });
                    }
                }
                other => return Err((ln, format!("unknown line kind '{other}'"))),
            }
        }
        let supply = supply.ok_or((0, "no 'p min' line".to_owned()))?;
        if arcs.len() != n_arcs {
            return Err((
                0,
                format!(
                    "the 'p' line announces {n_arcs} arcs, the file has {}",
                    arcs.len()
                ),
            ));
        }
        let total: i64 = supply.iter().sum();
        if total != 0 {
            return Err((0, format!("supplies and demands sum to {total}, not 0")));
        }
        Ok(McfInstance { supply, arcs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_instances_round_trip_and_are_balanced() {
        let spec = McfSpec::small(200, 700);
        let a = McfInstance::generate(&spec).unwrap();
        assert_eq!(a, McfInstance::generate(&spec).unwrap(), "deterministic");
        assert_eq!(a.nodes(), 200);
        assert_eq!(a.arcs.len(), 700);
        assert_eq!(a.supply.iter().filter(|&&s| s > 0).count(), 20);
        assert_eq!(a.supply.iter().filter(|&&s| s < 0).count(), 20);
        assert_eq!(a.supply.iter().sum::<i64>(), 0);
        assert_eq!(McfInstance::parse(&a.to_dimacs()).unwrap(), a);
        let other = McfInstance::generate(&McfSpec { seed: 2, ..spec }).unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn bad_files_say_where() {
        let cases = [
            ("a 1 2 0 1 1\n", "1: 'n' or 'a' line before the 'p' line"),
            (
                "p min 2 1\na 1 3 0 1 1\n",
                "2: destination 3 is not a node (1..=2)",
            ),
            (
                "p min 2 1\na 1 2 0 x 1\n",
                "2: capacity 'x' is not an integer",
            ),
            (
                "p min 2 2\na 1 2 0 1 1\n",
                "0: the 'p' line announces 2 arcs, the file has 1",
            ),
            (
                "p min 2 1\nn 1 5\na 1 2 0 1 1\n",
                "0: supplies and demands sum to 5, not 0",
            ),
            ("p max 2 1\n", "1: expected 'p min NODES ARCS'"),
            ("p min 2 1\nz\n", "2: unknown line kind 'z'"),
            (
                "p min 2 1\na 1 2 3 1 1\n",
                "2: lower bound 3 above capacity 1",
            ),
        ];
        for (text, want) in cases {
            let (line, m) = McfInstance::parse(text).unwrap_err();
            assert_eq!(format!("{line}: {m}"), want, "{text:?}");
        }
    }
}
