//! loopy: a tiny loop language whose JIT calls C functions declared in a cdef and reads and
//! writes C structs through `jitffi::emit`, next to an interpreter of the same language that
//! goes through `Function::call` and `Member`.
//!
//! ```text
//! fn step(p: struct particle *, n: long, dt: double) -> double {
//!     let e = 0.0;
//!     for i in 0 .. n {
//!         p[i].x = p[i].x + dt * p[i].vx;
//!         e = e + hypot(p[i].vx, p[i].vy) * p[i].mass;
//!     }
//!     return e;
//! }
//! ```
//!
//! Values are `i64` or `f64` (C integers widen to `i64`, `float` to `f64`, and back at calls
//! and stores); a parameter may be a pointer to a struct, indexed as `p[i].member`; any
//! function of the cdef can be called. A page of parser, a page of compiler, a page of
//! interpreter.
//!
//! `cargo run --release --example loopy` runs two programs on the JIT and the interpreter, and
//! the same loops in C (`examples/c/particles.c`, `cc -O2`), in Rust, and as Rust calling the
//! untyped API (`Member`, `Function::call`: the FFI operations alone, without interpretation),
//! and checks that all five agree bit for bit; `cargo run --release --example loopy -- bench`
//! times them.

use std::collections::HashMap;
use std::error::Error;
use std::ffi::c_void;
use std::time::Instant;

use jitffi::cdata::Member;
use jitffi::cranelift::codegen::ir::{self, InstBuilder, types};
use jitffi::cranelift::frontend::{FunctionBuilder, Variable};
use jitffi::emit::{self, EmitError};
use jitffi::{CData, Ffi, Function, Library, Type, Value};

type Res<T> = Result<T, Box<dyn Error>>;

// ---------------------------------------------------------------- syntax

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    Sym(&'static str),
}

fn lex(src: &str) -> Res<Vec<Tok>> {
    const SYMS: [&str; 17] = [
        "->", "..", "(", ")", "{", "}", "[", "]", ".", ",", ";", ":", "=", "+", "-", "*", "/",
    ];
    let (mut out, mut rest) = (Vec::new(), src.trim_start());
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        let len = if c.is_ascii_digit() {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e'))
                .unwrap_or(rest.len());
            // `0 .. n`: a number never ends with the first dot of `..`.
            let n = rest[..n].find("..").unwrap_or(n);
            let text = &rest[..n];
            out.push(match text.parse::<i64>() {
                Ok(i) => Tok::Int(i),
                Err(_) => Tok::Float(text.parse()?),
            });
            n
        } else if c.is_alphabetic() || c == '_' {
            let n = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(Tok::Ident(rest[..n].to_string()));
            n
        } else if let Some(s) = SYMS.iter().find(|s| rest.starts_with(**s)) {
            out.push(Tok::Sym(s));
            s.len()
        } else {
            return Err(format!("unexpected character '{c}'").into());
        };
        rest = rest[len..].trim_start();
    }
    Ok(out)
}

#[derive(Debug)]
enum Expr {
    Int(i64),
    Float(f64),
    Var(String),
    /// `p[i].member`
    Field(String, Box<Expr>, String),
    Call(String, Vec<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Debug)]
enum Stmt {
    Let(String, Expr),
    Assign(String, Expr),
    SetField(String, Expr, String, Expr),
    For(String, Expr, Expr, Vec<Stmt>),
    Return(Expr),
}

struct Program {
    name: String,
    params: Vec<(String, String)>,
    ret: String,
    body: Vec<Stmt>,
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Res<Tok> {
        self.at += 1;
        self.toks
            .get(self.at - 1)
            .cloned()
            .ok_or("unexpected end".into())
    }
    fn eat(&mut self, s: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Sym(t)) if *t == s)
            || matches!(self.peek(), Some(Tok::Ident(t)) if t == s);
        self.at += usize::from(hit);
        hit
    }
    fn expect(&mut self, s: &str) -> Res<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(format!("expected '{s}', found {:?}", self.peek()).into())
        }
    }
    fn ident(&mut self) -> Res<String> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            t => Err(format!("expected a name, found {t:?}").into()),
        }
    }
    /// A C type: the tokens up to `,`, `)` or `{`, as text for `Ffi::type_of`.
    fn c_type(&mut self) -> Res<String> {
        let mut words = Vec::new();
        while !matches!(
            self.peek(),
            Some(Tok::Sym(",") | Tok::Sym(")") | Tok::Sym("{")) | None
        ) {
            words.push(match self.next()? {
                Tok::Ident(s) => s,
                Tok::Sym(s) => s.to_string(),
                t => return Err(format!("unexpected {t:?} in a type").into()),
            });
        }
        Ok(words.join(" "))
    }
    fn program(&mut self) -> Res<Program> {
        self.expect("fn")?;
        let name = self.ident()?;
        self.expect("(")?;
        let mut params = Vec::new();
        while !self.eat(")") {
            let p = self.ident()?;
            self.expect(":")?;
            params.push((p, self.c_type()?));
            self.eat(",");
        }
        self.expect("->")?;
        let ret = self.c_type()?;
        let body = self.block()?;
        Ok(Program {
            name,
            params,
            ret,
            body,
        })
    }
    fn block(&mut self) -> Res<Vec<Stmt>> {
        self.expect("{")?;
        let mut out = Vec::new();
        while !self.eat("}") {
            out.push(self.stmt()?);
        }
        Ok(out)
    }
    fn stmt(&mut self) -> Res<Stmt> {
        if self.eat("let") {
            let v = self.ident()?;
            self.expect("=")?;
            let e = self.expr()?;
            self.expect(";")?;
            return Ok(Stmt::Let(v, e));
        }
        if self.eat("for") {
            let v = self.ident()?;
            self.expect("in")?;
            let lo = self.expr()?;
            self.expect("..")?;
            let hi = self.expr()?;
            return Ok(Stmt::For(v, lo, hi, self.block()?));
        }
        if self.eat("return") {
            let e = self.expr()?;
            self.expect(";")?;
            return Ok(Stmt::Return(e));
        }
        let v = self.ident()?;
        let s = if self.eat("[") {
            let i = self.expr()?;
            self.expect("]")?;
            self.expect(".")?;
            let m = self.ident()?;
            self.expect("=")?;
            Stmt::SetField(v, i, m, self.expr()?)
        } else {
            self.expect("=")?;
            Stmt::Assign(v, self.expr()?)
        };
        self.expect(";")?;
        Ok(s)
    }
    fn expr(&mut self) -> Res<Expr> {
        self.binary(0)
    }
    fn binary(&mut self, level: usize) -> Res<Expr> {
        const LEVELS: [&[&str]; 2] = [&["+", "-"], &["*", "/"]];
        if level == LEVELS.len() {
            return self.atom();
        }
        let mut lhs = self.binary(level + 1)?;
        while let Some(&op) = LEVELS[level].iter().find(|op| self.eat(op)) {
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(self.binary(level + 1)?));
        }
        Ok(lhs)
    }
    fn atom(&mut self) -> Res<Expr> {
        Ok(match self.next()? {
            Tok::Int(i) => Expr::Int(i),
            Tok::Float(f) => Expr::Float(f),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                e
            }
            Tok::Sym("-") => Expr::Bin("-", Box::new(Expr::Int(0)), Box::new(self.atom()?)),
            Tok::Ident(name) if self.eat("(") => {
                let mut args = Vec::new();
                while !self.eat(")") {
                    args.push(self.expr()?);
                    self.eat(",");
                }
                Expr::Call(name, args)
            }
            Tok::Ident(name) if self.eat("[") => {
                let i = self.expr()?;
                self.expect("]")?;
                self.expect(".")?;
                Expr::Field(name, Box::new(i), self.ident()?)
            }
            Tok::Ident(name) => Expr::Var(name),
            t => return Err(format!("unexpected {t:?}").into()),
        })
    }
}

fn parse(src: &str) -> Res<Program> {
    Parser {
        toks: lex(src)?,
        at: 0,
    }
    .program()
}

// ---------------------------------------------------------------- the C side of names

/// What the program's names are in C: functions with their parameter types, and the struct
/// type behind each pointer parameter with its member handles and types. Looked up once per
/// name, for the compiler and the interpreter alike.
struct Env<'a> {
    ffi: &'a Ffi,
    lib: &'a Library,
    funcs: HashMap<String, (Function, Vec<Type>)>,
    records: HashMap<String, Record>,
}

/// The struct a pointer parameter points to, and its members used so far.
#[derive(Clone)]
struct Record {
    elem: Type,
    members: HashMap<String, (Member, Type)>,
}

impl Env<'_> {
    fn function(&mut self, name: &str) -> Res<&(Function, Vec<Type>)> {
        if !self.funcs.contains_key(name) {
            let f = self.ffi.function(self.lib, name)?;
            let decl = f.table().as_func(f.type_id()).ok_or("not a function")?;
            let params = decl
                .params
                .iter()
                .map(|&p| self.ffi.type_of(&f.table().display(p)))
                .collect::<Result<Vec<_>, _>>()?;
            self.funcs.insert(name.to_string(), (f, params));
        }
        Ok(&self.funcs[name])
    }
    fn member(&mut self, param: &str, member: &str) -> Res<&(Member, Type)> {
        let rec = self
            .records
            .get_mut(param)
            .ok_or_else(|| format!("'{param}' is not a struct pointer parameter"))?;
        if !rec.members.contains_key(member) {
            let field = rec.elem.resolve(member)?;
            let ty = self.ffi.type_of(&rec.elem.table().display(field.ty))?;
            rec.members
                .insert(member.to_string(), (rec.elem.member(member)?, ty));
        }
        Ok(&rec.members[member])
    }
}

// ---------------------------------------------------------------- the JIT

/// A value in the compiled code: `i64` or `f64`.
fn widen(b: &mut FunctionBuilder<'_>, v: ir::Value) -> ir::Value {
    match b.func.dfg.value_type(v) {
        types::F32 => b.ins().fpromote(types::F64, v),
        t if t.is_int() && t.bits() < 64 => b.ins().sextend(types::I64, v),
        _ => v,
    }
}

/// `v` (`i64` or `f64`) as a value of IR type `to`, as C converts it.
fn narrow(b: &mut FunctionBuilder<'_>, v: ir::Value, to: ir::Type) -> ir::Value {
    let from = b.func.dfg.value_type(v);
    match (from, to) {
        (f, t) if f == t => v,
        (types::I64, t) if t.is_int() => b.ins().ireduce(t, v),
        (types::I64, t) => {
            let d = b.ins().fcvt_from_sint(types::F64, v);
            narrow(b, d, t)
        }
        (types::F64, types::F32) => b.ins().fdemote(types::F32, v),
        (types::F64, t) => b.ins().fcvt_to_sint_sat(t, v),
        _ => v,
    }
}

struct Compiler<'e, 'a> {
    env: &'e mut Env<'a>,
    vars: HashMap<String, Variable>,
}

impl Compiler<'_, '_> {
    fn expr(&mut self, b: &mut FunctionBuilder<'_>, e: &Expr) -> Res<ir::Value> {
        Ok(match e {
            Expr::Int(i) => b.ins().iconst(types::I64, *i),
            Expr::Float(f) => b.ins().f64const(*f),
            Expr::Var(v) => b.use_var(*self.vars.get(v).ok_or(format!("unknown '{v}'"))?),
            Expr::Field(p, i, m) => {
                let addr = self.element(b, p, i)?;
                let (member, _) = self.env.member(p, m)?;
                let v = emit::load(b, member, addr)?;
                widen(b, v)
            }
            Expr::Call(name, args) => {
                let (f, params) = self.env.function(name)?.clone();
                let mut vals = Vec::new();
                for (a, p) in args.iter().zip(&params) {
                    let v = self.expr(b, a)?;
                    let want = emit::arg_type(p)?;
                    vals.push(narrow(b, v, want));
                }
                let r = emit::call(b, &f, &vals)?.ok_or("a void function in an expression")?;
                widen(b, r)
            }
            Expr::Bin(op, l, r) => {
                let (mut l, mut r) = (self.expr(b, l)?, self.expr(b, r)?);
                let float = [l, r]
                    .iter()
                    .any(|v| b.func.dfg.value_type(*v) == types::F64);
                if float {
                    for v in [&mut l, &mut r] {
                        if b.func.dfg.value_type(*v) == types::I64 {
                            *v = b.ins().fcvt_from_sint(types::F64, *v);
                        }
                    }
                }
                match (*op, float) {
                    ("+", true) => b.ins().fadd(l, r),
                    ("-", true) => b.ins().fsub(l, r),
                    ("*", true) => b.ins().fmul(l, r),
                    ("/", true) => b.ins().fdiv(l, r),
                    ("+", false) => b.ins().iadd(l, r),
                    ("-", false) => b.ins().isub(l, r),
                    ("*", false) => b.ins().imul(l, r),
                    _ => b.ins().sdiv(l, r),
                }
            }
        })
    }

    /// The address of `p[i]`.
    fn element(&mut self, b: &mut FunctionBuilder<'_>, p: &str, i: &Expr) -> Res<ir::Value> {
        let base = b.use_var(*self.vars.get(p).ok_or(format!("unknown '{p}'"))?);
        let i = self.expr(b, i)?;
        let elem = self
            .env
            .records
            .get(p)
            .ok_or("not a struct pointer")?
            .elem
            .clone();
        Ok(emit::elem_addr(b, &elem, base, i)?)
    }

    fn assign(&mut self, b: &mut FunctionBuilder<'_>, name: &str, v: ir::Value) {
        let ty = b.func.dfg.value_type(v);
        let var = *self
            .vars
            .entry(name.to_string())
            .or_insert_with(|| b.declare_var(ty));
        b.def_var(var, v);
    }

    fn stmts(&mut self, b: &mut FunctionBuilder<'_>, body: &[Stmt]) -> Res<()> {
        for s in body {
            match s {
                Stmt::Let(v, e) | Stmt::Assign(v, e) => {
                    let x = self.expr(b, e)?;
                    self.assign(b, v, x);
                }
                Stmt::SetField(p, i, m, e) => {
                    let x = self.expr(b, e)?;
                    let addr = self.element(b, p, i)?;
                    let (member, ty) = self.env.member(p, m)?.clone();
                    let x = narrow(b, x, emit::arg_type(&ty)?);
                    emit::store(b, &member, addr, x)?;
                }
                Stmt::For(v, lo, hi, inner) => {
                    let lo = self.expr(b, lo)?;
                    let hi = self.expr(b, hi)?;
                    let (head, body, exit) = (b.create_block(), b.create_block(), b.create_block());
                    self.assign(b, v, lo);
                    b.ins().jump(head, &[]);
                    b.switch_to_block(head);
                    let i = b.use_var(self.vars[v.as_str()]);
                    let more = b.ins().icmp(ir::condcodes::IntCC::SignedLessThan, i, hi);
                    b.ins().brif(more, body, &[], exit, &[]);
                    b.switch_to_block(body);
                    self.stmts(b, inner)?;
                    let i = b.use_var(self.vars[v.as_str()]);
                    let next = b.ins().iadd_imm_s(i, 1);
                    self.assign(b, v, next);
                    b.ins().jump(head, &[]);
                    b.switch_to_block(exit);
                }
                Stmt::Return(e) => {
                    let x = self.expr(b, e)?;
                    b.ins().return_(&[x]);
                    // Unreachable code after `return` goes into a fresh block.
                    let dead = b.create_block();
                    b.switch_to_block(dead);
                }
            }
        }
        Ok(())
    }
}

/// Compiles a program to an `extern "C"` function of its C signature.
fn compile(env: &mut Env<'_>, prog: &Program) -> Res<emit::Code> {
    let mut params = Vec::new();
    for (_, ty) in &prog.params {
        params.push(emit::arg_type(&env.ffi.type_of(ty)?)?);
    }
    let ret = emit::arg_type(&env.ffi.type_of(&prog.ret)?)?;
    let mut failure: Option<Box<dyn Error>> = None;
    let mut keep = Vec::new();
    let code = emit::compile(env.ffi, &params, &[ret], |b, ps| {
        let mut c = Compiler {
            env,
            vars: HashMap::new(),
        };
        for ((name, _), &v) in prog.params.iter().zip(ps) {
            c.assign(b, name, v);
        }
        let res = c.stmts(b, &prog.body).map(|()| {
            // Falling off the end returns 0.
            let zero = if ret == types::F64 {
                b.ins().f64const(0.0)
            } else {
                b.ins().iconst(ret, 0)
            };
            b.ins().return_(&[zero]);
        });
        keep.extend(c.env.funcs.values().map(|(f, _)| f.clone()));
        res.map_err(|e| {
            let msg = e.to_string();
            failure = Some(e);
            EmitError::host(msg)
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let mut code = code?;
    // The functions (and their libraries) live as long as the code that calls them.
    for f in keep {
        code.keep(f);
    }
    Ok(code)
}

// ---------------------------------------------------------------- the interpreter

#[derive(Clone, Copy, Debug)]
enum V {
    I(i64),
    F(f64),
}

fn to_v(v: &Value<'_>) -> Res<V> {
    Ok(match *v {
        Value::F64(f) => V::F(f),
        Value::F32(f) => V::F(f64::from(f)),
        Value::I8(i) => V::I(i.into()),
        Value::I16(i) => V::I(i.into()),
        Value::I32(i) => V::I(i.into()),
        Value::I64(i) => V::I(i),
        Value::U8(i) => V::I(i.into()),
        Value::U16(i) => V::I(i.into()),
        Value::U32(i) => V::I(i.into()),
        ref other => return Err(format!("no loopy value for {other:?}").into()),
    })
}

/// A loopy value as the `Value` of a C type, as C converts it.
fn to_c(v: V, ty: &Type) -> Res<Value<'static>> {
    let ir = emit::arg_type(ty)?;
    Ok(match (v, ir) {
        (V::F(f), types::F64) => Value::F64(f),
        (V::F(f), types::F32) => Value::F32(f as f32),
        (V::I(i), types::F64) => Value::F64(i as f64),
        (V::I(i), types::F32) => Value::F32(i as f32),
        (V::I(i), types::I32) => Value::I32(i as i32),
        (V::I(i), _) => Value::I64(i),
        (V::F(f), types::I32) => Value::I32(f as i32),
        (V::F(f), _) => Value::I64(f as i64),
    })
}

struct Interp<'e, 'a, 'd> {
    env: &'e mut Env<'a>,
    /// Variables, few enough for a linear search.
    vars: Vec<(String, V)>,
    arrays: HashMap<String, &'d CData<'d>>,
}

impl Interp<'_, '_, '_> {
    fn get(&self, name: &str) -> Res<V> {
        match self.vars.iter().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(*v),
            None => Err(format!("unknown '{name}'").into()),
        }
    }
    fn set(&mut self, name: &str, v: V) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some((_, slot)) => *slot = v,
            None => self.vars.push((name.to_string(), v)),
        }
    }

    fn expr(&mut self, e: &Expr) -> Res<V> {
        Ok(match e {
            Expr::Int(i) => V::I(*i),
            Expr::Float(f) => V::F(*f),
            Expr::Var(v) => self.get(v)?,
            Expr::Field(p, i, m) => {
                let V::I(i) = self.expr(i)? else {
                    return Err("a float index".into());
                };
                let (member, _) = self.env.member(p, m)?;
                to_v(&member.get_in(self.arrays[p.as_str()], usize::try_from(i)?)?)?
            }
            Expr::Call(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for (k, a) in args.iter().enumerate() {
                    let v = self.expr(a)?;
                    let (_, params) = self.env.function(name)?;
                    vals.push(to_c(v, params.get(k).ok_or("too many arguments")?)?);
                }
                let (f, _) = self.env.function(name)?;
                // SAFETY: the cdef declares libm's and libc's functions as they are.
                to_v(&unsafe { f.call(&vals)? })?
            }
            Expr::Bin(op, l, r) => match (self.expr(l)?, self.expr(r)?, *op) {
                (V::I(a), V::I(b), "+") => V::I(a.wrapping_add(b)),
                (V::I(a), V::I(b), "-") => V::I(a.wrapping_sub(b)),
                (V::I(a), V::I(b), "*") => V::I(a.wrapping_mul(b)),
                (V::I(a), V::I(b), _) => V::I(a.checked_div(b).ok_or("division by zero")?),
                (a, b, op) => {
                    let f = |v| match v {
                        V::I(i) => i as f64,
                        V::F(f) => f,
                    };
                    let (a, b) = (f(a), f(b));
                    V::F(match op {
                        "+" => a + b,
                        "-" => a - b,
                        "*" => a * b,
                        _ => a / b,
                    })
                }
            },
        })
    }

    /// Runs statements; `Some` once a `return` ran.
    fn stmts(&mut self, body: &[Stmt]) -> Res<Option<V>> {
        for s in body {
            match s {
                Stmt::Let(v, e) | Stmt::Assign(v, e) => {
                    let x = self.expr(e)?;
                    self.set(v, x);
                }
                Stmt::SetField(p, i, m, e) => {
                    let x = self.expr(e)?;
                    let V::I(i) = self.expr(i)? else {
                        return Err("a float index".into());
                    };
                    let (member, ty) = self.env.member(p, m)?;
                    let c = to_c(x, ty)?;
                    member.set_in(self.arrays[p.as_str()], usize::try_from(i)?, &c)?;
                }
                Stmt::For(v, lo, hi, inner) => {
                    let (V::I(lo), V::I(hi)) = (self.expr(lo)?, self.expr(hi)?) else {
                        return Err("float loop bounds".into());
                    };
                    for i in lo..hi {
                        self.set(v, V::I(i));
                        if let Some(r) = self.stmts(inner)? {
                            return Ok(Some(r));
                        }
                    }
                }
                Stmt::Return(e) => return Ok(Some(self.expr(e)?)),
            }
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------- the programs

const CDEF: &str = "
    struct particle { double x, y, vx, vy; float mass; int id; };
    double hypot(double, double);
    double step(struct particle *p, long n, double dt);
    double moment(struct particle *p, long n);
";

const STEP: &str = "
fn step(p: struct particle *, n: long, dt: double) -> double {
    let e = 0.0;
    for i in 0 .. n {
        p[i].x = p[i].x + dt * p[i].vx;
        p[i].y = p[i].y + dt * p[i].vy;
        p[i].vy = p[i].vy - dt * 9.81;
        e = e + hypot(p[i].vx, p[i].vy) * p[i].mass;
    }
    return e;
}";

const MOMENT: &str = "
fn moment(p: struct particle *, n: long) -> double {
    let s = 0.0;
    for i in 0 .. n {
        s = s + p[i].x * p[i].mass;
    }
    return s;
}";

/// The Rust version of the two loops.
#[repr(C)]
#[derive(Clone, Copy)]
struct Particle {
    x: f64,
    y: f64,
    vx: f64,
    vy: f64,
    mass: f32,
    id: i32,
}

fn rust_step(p: &mut [Particle], dt: f64) -> f64 {
    let mut e = 0.0;
    for q in p {
        q.x += dt * q.vx;
        q.y += dt * q.vy;
        q.vy -= dt * 9.81;
        e += q.vx.hypot(q.vy) * f64::from(q.mass);
    }
    e
}

fn rust_moment(p: &[Particle]) -> f64 {
    p.iter().fold(0.0, |s, q| s + q.x * f64::from(q.mass))
}

/// The programs' FFI operations alone, through the untyped API a dynamic language without a
/// JIT would use (`Member::get_in`/`set_in` and `Function::call` with `Value`s), in a Rust
/// loop: no interpretation overhead, so the column isolates what `jitffi::emit` removes.
struct Untyped {
    x: Member,
    y: Member,
    vx: Member,
    vy: Member,
    mass: Member,
    hypot: Function,
}

fn f64_of(v: Value<'_>) -> f64 {
    match v {
        Value::F64(f) => f,
        Value::F32(f) => f64::from(f),
        other => panic!("not a float: {other:?}"),
    }
}

impl Untyped {
    fn step(&self, d: &CData<'_>, n: usize, dt: f64) -> Res<f64> {
        let mut e = 0.0;
        for i in 0..n {
            let x = f64_of(self.x.get_in(d, i)?) + dt * f64_of(self.vx.get_in(d, i)?);
            self.x.set_in(d, i, &Value::F64(x))?;
            let y = f64_of(self.y.get_in(d, i)?) + dt * f64_of(self.vy.get_in(d, i)?);
            self.y.set_in(d, i, &Value::F64(y))?;
            let vy = f64_of(self.vy.get_in(d, i)?) - dt * 9.81;
            self.vy.set_in(d, i, &Value::F64(vy))?;
            let (vx, vy) = (self.vx.get_in(d, i)?, self.vy.get_in(d, i)?);
            // SAFETY: `hypot` is declared as libm defines it.
            let h = f64_of(unsafe { self.hypot.call(&[vx, vy])? });
            e += h * f64_of(self.mass.get_in(d, i)?);
        }
        Ok(e)
    }

    fn moment(&self, d: &CData<'_>, n: usize) -> Res<f64> {
        let mut s = 0.0;
        for i in 0..n {
            s += f64_of(self.x.get_in(d, i)?) * f64_of(self.mass.get_in(d, i)?);
        }
        Ok(s)
    }
}

fn particles(ty: &Type, n: usize) -> Res<CData<'static>> {
    let a = ty.alloc_array(n)?;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for i in 0..n {
        // SAFETY: element `i` of an array of `n` struct particles, laid out as `Particle`
        // (checked in `main`).
        let p = unsafe { &mut *a.addr().cast::<Particle>().add(i) };
        *p = Particle {
            x: next(),
            y: next(),
            vx: next(),
            vy: next(),
            mass: 1.0 + next() as f32,
            id: i as i32,
        };
    }
    Ok(a)
}

/// Runs a program on the interpreter with `p` = `data` (`n` particles) and `dt`.
fn interpret(
    env: &mut Env<'_>,
    prog: &Program,
    records: &HashMap<String, Record>,
    data: &CData<'_>,
    n: usize,
    dt: f64,
) -> Res<f64> {
    env.records = records.clone();
    let mut it = Interp {
        env,
        vars: Vec::new(),
        arrays: HashMap::new(),
    };
    let args = [V::I(0), V::I(n as i64), V::F(dt)];
    for ((name, _), v) in prog.params.iter().zip(args) {
        it.set(name, v);
    }
    it.arrays.insert("p".into(), data);
    match it.stmts(&prog.body)? {
        Some(V::F(f)) => Ok(f),
        other => Err(format!("{}: returned {other:?}", prog.name).into()),
    }
}

fn bytes(d: &CData<'_>) -> Vec<u8> {
    d.to_bytes()
}

fn main() -> Res<()> {
    let bench = std::env::args().nth(1).as_deref() == Some("bench");
    let ffi = Ffi::new();
    ffi.cdef(CDEF)?;
    let particle = ffi.type_of("struct particle")?;
    assert_eq!(particle.size()? as usize, std::mem::size_of::<Particle>());
    // The C baseline, built now (gcc -O2), in its own library.
    let dir = std::env::temp_dir().join(format!("jitffi-loopy-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let so = dir.join("libparticles.so");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/c/particles.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = std::process::Command::new(&cc)
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(src)
        .arg("-lm")
        .status()
        .map_err(|e| format!("cannot run '{cc}' ({e}): install gcc (`apt-get install gcc`)"))?;
    if !status.success() {
        return Err(format!("compiling {src} failed").into());
    }
    // SAFETY: the library was just built from particles.c, which has no initialisers.
    let clib = unsafe { Library::open(&so.to_string_lossy(), &Default::default())? };
    // SAFETY: libm's initialisers are benign.
    let libm = unsafe { Library::open("m", &Default::default())? };
    let c_step = ffi
        .function(&clib, "step")?
        .typed::<(*mut c_void, i64, f64), f64>()?;
    let c_moment = ffi
        .function(&clib, "moment")?
        .typed::<(*mut c_void, i64), f64>()?;

    let mut env = Env {
        ffi: &ffi,
        lib: &libm,
        funcs: HashMap::new(),
        records: HashMap::new(),
    };
    let mut programs = Vec::new();
    for src in [STEP, MOMENT] {
        let prog = parse(src)?;
        env.records.clear();
        for (name, ty) in &prog.params {
            let t = ffi.type_of(ty)?;
            if let Some(elem) = t.table().pointee(t.id()) {
                let elem = ffi.type_of(&t.table().display(elem))?;
                env.records.insert(
                    name.clone(),
                    Record {
                        elem,
                        members: HashMap::new(),
                    },
                );
            }
        }
        let code = compile(&mut env, &prog)?;
        // LOOPY_DUMP=DIR writes each program's CLIF and machine code there (for objdump -D
        // -b binary -m i386:x86-64).
        if let Some(dir) = std::env::var_os("LOOPY_DUMP") {
            let dir = std::path::PathBuf::from(dir);
            std::fs::write(dir.join(format!("{}.clif", prog.name)), code.clif())?;
            std::fs::write(dir.join(format!("{}.bin", prog.name)), code.machine_code())?;
        }
        programs.push((prog, code, env.records.clone()));
    }

    let n = if bench { 10_000 } else { 1000 };
    let dt = 0.01;
    type StepFn = extern "C" fn(*mut c_void, i64, f64) -> f64;
    type MomentFn = extern "C" fn(*mut c_void, i64) -> f64;
    // SAFETY: each code was compiled for its program's C signature.
    let (jit_step, jit_moment) = unsafe {
        (
            std::mem::transmute::<*const u8, StepFn>(programs[0].1.as_ptr()),
            std::mem::transmute::<*const u8, MomentFn>(programs[1].1.as_ptr()),
        )
    };

    // Correctness: the four implementations, each on its own copy of the same particles,
    // must agree bit for bit (results and memory).
    let mut results = Vec::new();
    let untyped = Untyped {
        x: particle.member("x")?,
        y: particle.member("y")?,
        vx: particle.member("vx")?,
        vy: particle.member("vy")?,
        mass: particle.member("mass")?,
        hypot: ffi.function(&libm, "hypot")?,
    };
    for engine in ["C", "Rust", "JIT", "untyped API", "interpreter"] {
        let data = particles(&particle, n)?;
        let p = data.addr();
        // SAFETY: `p` points to `n` particles; the C and JIT functions take exactly that.
        let slice = unsafe { std::slice::from_raw_parts_mut(p.cast::<Particle>(), n) };
        let (e, s) = match engine {
            // SAFETY: the C functions take a pointer to `n` particles, which `p` is.
            "C" => unsafe { (c_step.call((p, n as i64, dt)), c_moment.call((p, n as i64))) },
            "Rust" => (rust_step(slice, dt), rust_moment(slice)),
            "JIT" => (jit_step(p, n as i64, dt), jit_moment(p, n as i64)),
            "untyped API" => (untyped.step(&data, n, dt)?, untyped.moment(&data, n)?),
            _ => {
                let mut out = Vec::new();
                for (prog, _, records) in &programs {
                    out.push(interpret(&mut env, prog, records, &data, n, dt)?);
                }
                (out[0], out[1])
            }
        };
        println!("{engine:>12}: step = {e:.17}, moment = {s:.17}");
        results.push((e.to_bits(), s.to_bits(), bytes(&data)));
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "the implementations disagree"
    );
    println!(
        "C, Rust, the JIT, the untyped API and the interpreter agree bit for bit ({n} particles)."
    );

    if bench {
        let data = particles(&particle, n)?;
        let p = data.addr();
        // SAFETY: as above.
        let slice = unsafe { std::slice::from_raw_parts_mut(p.cast::<Particle>(), n) };
        let time = |f: &mut dyn FnMut() -> f64, reps: usize| {
            let mut best = f64::INFINITY;
            for _ in 0..7 {
                let t = Instant::now();
                let mut sink = 0.0;
                for _ in 0..reps {
                    sink += f();
                }
                std::hint::black_box(sink);
                best = best.min(t.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64);
            }
            best
        };
        println!("\nns per particle (best of 7), {n} particles:");
        println!(
            "{:>8} {:>7} {:>7} {:>7} {:>9} {:>11} {:>8} {:>13} {:>13}",
            "program",
            "C -O2",
            "Rust",
            "JIT",
            "untyped",
            "interpreter",
            "JIT / C",
            "untyped / JIT",
            "interp / JIT"
        );
        for (k, name) in ["step", "moment"].iter().enumerate() {
            let reps = 200;
            let c = time(
                &mut || {
                    // SAFETY: as above.
                    unsafe {
                        if k == 0 {
                            c_step.call((p, n as i64, dt))
                        } else {
                            c_moment.call((p, n as i64))
                        }
                    }
                },
                reps,
            );
            let r = time(
                &mut || {
                    if k == 0 {
                        rust_step(slice, dt)
                    } else {
                        rust_moment(slice)
                    }
                },
                reps,
            );
            let j = time(
                &mut || {
                    if k == 0 {
                        jit_step(p, n as i64, dt)
                    } else {
                        jit_moment(p, n as i64)
                    }
                },
                reps,
            );
            let u = time(
                &mut || {
                    let r = if k == 0 {
                        untyped.step(&data, n, dt)
                    } else {
                        untyped.moment(&data, n)
                    };
                    r.expect("untyped")
                },
                20,
            );
            let (prog, _, records) = &programs[k];
            let i = time(
                &mut || interpret(&mut env, prog, records, &data, n, dt).expect("interpreter"),
                2,
            );
            println!(
                "{name:>8} {c:>7.2} {r:>7.2} {j:>7.2} {u:>9.1} {i:>11.1} {:>7.2}x {:>12.1}x {:>12.1}x",
                j / c,
                u / j,
                i / j
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
