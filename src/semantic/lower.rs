//! Lowering: full_moon's tree → [`FileIr`], resolving every name against Lua's scoping rules.

use super::annotations::{self, DocTag, Docs, TypeExpr};
use super::ir::*;
use super::model::FastMap;
use crate::source::Span;
use crate::syntax::{
    read_literal_table, ElidedTables, Literal, LiteralBuilder, LiteralKey, NodeSpan, Parsed, Shifts,
};
use full_moon::ast::{self, Expression, Stmt};
use full_moon::tokenizer::{Symbol, TokenReference, TokenType};
use std::borrow::Cow;
use std::sync::Arc;

/// Lowers a parsed file with its comments (for annotations). The result owns no syntax: the
/// caller may drop the tree.
pub fn lower(parsed: &Parsed, text: &str) -> FileIr {
    let mut docs = annotations::collect(text, &parsed.comments);
    let mut lowerer = Lowerer {
        ir: presized(text.len()),
        scopes: Vec::new(),
        open_scopes: 0,
        func_stack: Vec::new(),
        docs: &docs,
        pending_members: Vec::new(),
        anonymous_function_docs: None,
        text,
        tables: &parsed.tables,
        shifts: &parsed.shifts,
    };
    lowerer.ir.functions.push(Function::main_chunk(text.len()));
    lowerer.func_stack.push(FuncFrame {
        id: MAIN_CHUNK,
        loops: Vec::new(),
    });
    lowerer.block(parsed.ast.nodes());
    let mut ir = lowerer.ir;
    ir.classes = std::mem::take(&mut docs.classes);
    ir.aliases = std::mem::take(&mut docs.aliases);
    trim(&mut ir);
    ir
}

/// Gives back the room [`presized`] and growth left unused: a unit keeps the IR of every file
/// until it is checked, and over the corpus half of the lists' room was spare.
fn trim(ir: &mut FileIr) {
    fn exact<T>(list: &mut Vec<T>) {
        // A copy rather than `shrink_to_fit`: an allocator may keep a block that shrinks by
        // less than half where it is, spare room and all.
        if list.capacity() > list.len() {
            let mut copy = Vec::with_capacity(list.len());
            copy.append(list);
            *list = copy;
        }
    }
    // Every field by name: a list added to the IR is trimmed too, or this does not compile.
    let FileIr {
        functions,
        bindings,
        calls,
        assigns,
        loops,
        guards,
        free_names,
        members,
        member_chains,
        tests,
        outer_reads,
        conditional_blocks,
        classes,
        aliases,
    } = ir;
    exact(functions);
    exact(bindings);
    exact(calls);
    exact(assigns);
    exact(loops);
    exact(guards);
    exact(free_names);
    exact(members);
    exact(member_chains);
    exact(tests);
    exact(outer_reads);
    exact(conditional_blocks);
    exact(classes);
    exact(aliases);
}

/// An empty IR with room for what a file of `len` bytes usually holds: the largest lists are
/// allocated about once instead of grown by doubling (copying) as they fill. The densities
/// (source bytes per item) are a little above those of real mods, so a typical file fits.
fn presized(len: usize) -> FileIr {
    let room = |bytes_per_item: usize| len / bytes_per_item;
    FileIr {
        calls: Vec::with_capacity(room(200)),
        members: Vec::with_capacity(room(100)),
        member_chains: Vec::with_capacity(room(128)),
        bindings: Vec::with_capacity(room(256)),
        free_names: Vec::with_capacity(room(256)),
        assigns: Vec::with_capacity(room(512)),
        outer_reads: Vec::with_capacity(room(400)),
        ..FileIr::default()
    }
}

fn name_of(token: &TokenReference) -> SmolStr {
    SmolStr::new(name_str(token))
}

/// The name a token spells, borrowed from the tree when it is an identifier (every name is):
/// looking a name up allocates nothing.
fn name_str(token: &TokenReference) -> Cow<'_, str> {
    match token.token().token_type() {
        TokenType::Identifier { identifier } => Cow::Borrowed(identifier.as_str()),
        _ => Cow::Owned(token.token().to_string()),
    }
}

/// `base.name` for the name a token spells (one allocation: the name's).
fn indexed(base: Value, name: &TokenReference) -> Value {
    Value::Index(Arc::new(base), Key::Name(name_of(name)))
}

struct FuncFrame {
    id: FuncId,
    loops: Vec<LoopId>,
}

/// A member seen along a run of fields: its name, how many fields deep its object is, its
/// use, and the span of its object expression.
type PendingMember<'a> = (&'a TokenReference, u32, MemberUse, Span);

struct Lowerer<'d> {
    ir: FileIr,
    /// Names borrowed from the tree: declaring and resolving a local allocates no key.
    /// The open scopes are the first `open_scopes`; closed ones stay, emptied, for the next
    /// scopes to reuse their tables.
    scopes: Vec<FastMap<Cow<'d, str>, BindingId>>,
    open_scopes: usize,
    func_stack: Vec<FuncFrame>,
    docs: &'d Docs,
    /// Members seen along the runs of fields being lowered, innermost run last (see
    /// [`Self::suffixes`]): one buffer for the whole file.
    pending_members: Vec<PendingMember<'d>>,
    /// `local f = function(...)`: the statement's tags, for the function starting at this byte.
    anonymous_function_docs: Option<(usize, &'d [DocTag])>,
    /// The file as written, and the tables full_moon was given blanked: a table of literals
    /// among them is read back from the text.
    text: &'d str,
    tables: &'d ElidedTables,
    /// Where the tree's offsets are in the file (see [`Shifts`]).
    shifts: &'d Shifts,
}

/// The type a `---@type` or `---@class` tag gives the statement's first name.
fn declared_type(tags: &[DocTag]) -> Option<Box<TypeExpr>> {
    tags.iter().find_map(|tag| match tag {
        DocTag::Type(ty) => Some(Box::new(ty.clone())),
        DocTag::Class { name, .. } => Some(Box::new(TypeExpr::Name(name.clone()))),
        _ => None,
    })
}

impl<'d> Lowerer<'d> {
    /// A token's span in the file.
    fn token_span(&self, token: &TokenReference) -> Span {
        self.shifts.token(token)
    }

    /// A node's span in the file, from its first token to its last (see [`NodeSpan`] for why
    /// not `Node::range`).
    fn node_span(&self, node: &impl NodeSpan) -> Span {
        self.shifts.node(node)
    }

    /// The end of a block's last statement (0 for an empty block).
    fn block_end(&self, block: &ast::Block) -> usize {
        match (block.last_stmt(), block.stmts().last()) {
            (Some(last), _) => self.node_span(last).end,
            (None, Some(stmt)) => self.node_span(stmt).end,
            (None, None) => 0,
        }
    }

    /// The tags of the doc block directly above `stmt`.
    fn tags_for(&self, stmt: &'d Stmt) -> &'d [DocTag] {
        // The first token's start: full_moon's own `start_position` computes the whole
        // range, which is exponential in nesting (see syntax::NodeSpan).
        let docs: &'d Docs = self.docs;
        if docs.by_statement.is_empty() {
            // Most files: no statement's first byte to find.
            return &[];
        }
        stmt.first_byte()
            .and_then(|start| docs.by_statement.get(&self.shifts.start(start)))
            .map_or(&[], Vec::as_slice)
    }

    /// Remembers `tags` for the function when `first` (a statement's first value) is one.
    fn expect_function_docs(&mut self, first: Option<&'d Expression>, tags: &'d [DocTag]) {
        self.anonymous_function_docs = match first {
            Some(Expression::Function(anonymous)) if !tags.is_empty() => {
                Some((self.token_span(anonymous.function_token()).start, tags))
            }
            _ => None,
        };
    }

    fn current_func(&self) -> FuncId {
        self.func_stack.last().map(|f| f.id).unwrap_or(MAIN_CHUNK)
    }

    fn current_loops(&self) -> Vec<LoopId> {
        self.func_stack
            .last()
            .map(|f| f.loops.clone())
            .unwrap_or_default()
    }

    fn declare(
        &mut self,
        token: &'d TokenReference,
        kind: BindingKind,
        value: Option<Value>,
    ) -> BindingId {
        self.declare_named(name_str(token), self.token_span(token), kind, value)
    }

    fn declare_named(
        &mut self,
        name: Cow<'d, str>,
        span: Span,
        kind: BindingKind,
        value: Option<Value>,
    ) -> BindingId {
        let id = self.ir.bindings.len() as BindingId;
        self.ir.bindings.push(Binding {
            name: SmolStr::new(&name),
            span,
            func: self.current_func(),
            kind,
            values: value.into_iter().collect(),
            annotation: None,
            loops: self.current_loops(),
        });
        if self.open_scopes == 0 {
            self.open_scope();
        }
        self.scopes[self.open_scopes - 1].insert(name, id);
        id
    }

    fn open_scope(&mut self) {
        if self.open_scopes == self.scopes.len() {
            self.scopes.push(FastMap::default());
        }
        self.open_scopes += 1;
    }

    fn close_scope(&mut self) {
        self.open_scopes -= 1;
        let scope = &mut self.scopes[self.open_scopes];
        if !scope.is_empty() {
            scope.clear();
        }
    }

    fn resolve(&self, name: &str) -> Option<BindingId> {
        self.scopes[..self.open_scopes]
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).copied())
    }

    fn name_value(&mut self, token: &'d TokenReference, write: bool) -> Value {
        let name = name_str(token);
        match self.resolve(&name) {
            Some(binding) => Value::Local(binding),
            None => {
                let name = SmolStr::new(name);
                self.ir.free_names.push(NameRef {
                    name: name.clone(),
                    span: self.token_span(token),
                    write,
                    func: self.current_func(),
                    tested: false,
                });
                Value::Global(name)
            }
        }
    }

    fn block(&mut self, block: &'d ast::Block) {
        self.open_scope();
        self.block_body(block);
        self.close_scope();
    }

    fn block_body(&mut self, block: &'d ast::Block) {
        let mut exit_guards = Vec::new();
        for stmt in block.stmts() {
            if let Stmt::If(if_stmt) = stmt {
                if let Some(facts) = self.if_statement(if_stmt) {
                    exit_guards.push((self.token_span(if_stmt.end_token()), facts));
                }
            } else {
                self.stmt(stmt);
            }
        }
        // `if not game then return end`: the rest of this block runs only when it held.
        if !exit_guards.is_empty() {
            let end = self.block_end(block);
            let func = self.current_func();
            for (if_end, facts) in exit_guards {
                if end > if_end.end {
                    self.ir.guards.push(Guard {
                        func,
                        region: Span::new(if_end.end, end),
                        condition: if_end,
                        facts,
                        // The rest of the function (with what decided it) is guarded by
                        // `if_statement` when every branch returns.
                        conditions: Vec::new(),
                    });
                }
            }
        }
        if let Some(ast::LastStmt::Return(ret)) = block.last_stmt() {
            let values: Vec<Value> = ret.returns().iter().map(|e| self.expr(e)).collect();
            let func = self.current_func();
            self.ir.functions[func as usize].returns.push(values);
        }
    }

    fn stmt(&mut self, stmt: &'d Stmt) {
        let tags = self.tags_for(stmt);
        match stmt {
            Stmt::Assignment(assign) => self.assignment(assign, tags),
            Stmt::LocalAssignment(local) => {
                self.expect_function_docs(local.expressions().iter().next(), tags);
                let values: Vec<Value> = local.expressions().iter().map(|e| self.expr(e)).collect();
                let mut values = values.into_iter();
                for (i, name) in local.names().iter().enumerate() {
                    let id = self.declare(name, BindingKind::Local, values.next());
                    if i == 0 {
                        self.ir.bindings[id as usize].annotation = declared_type(tags);
                    }
                }
            }
            Stmt::LocalFunction(local) => {
                let id = self.declare(local.name(), BindingKind::LocalFunction, None);
                let name = format!("local {}", name_str(local.name()));
                let func = self.function_body(
                    local.body(),
                    name,
                    self.token_span(local.name()),
                    false,
                    tags,
                );
                self.ir.bindings[id as usize]
                    .values
                    .push(Value::Function(func));
            }
            Stmt::FunctionDeclaration(decl) => self.function_declaration(decl, tags),
            Stmt::FunctionCall(call) => {
                self.function_call(call);
            }
            Stmt::Do(body) => self.block(body.block()),
            Stmt::If(if_stmt) => {
                self.conditional_block(if_stmt.if_token(), if_stmt.end_token());
                self.if_statement(if_stmt);
            }
            Stmt::While(while_loop) => {
                self.conditional_block(while_loop.while_token(), while_loop.end_token());
                let since = self.ir.free_names.len();
                let test = self.expr(while_loop.condition());
                self.mark_tested(while_loop.condition(), since);
                self.push_test(self.node_span(while_loop.condition()), test);
                let span = self
                    .node_span(while_loop.condition())
                    .cover(self.token_span(while_loop.while_token()));
                self.loop_body(span, LoopKind::While, &[], |this| {
                    this.block(while_loop.block())
                });
            }
            Stmt::Repeat(repeat) => {
                // The body runs at least once: not conditional.
                let span = self.token_span(repeat.repeat_token());
                self.loop_body(span, LoopKind::Repeat, &[], |this| {
                    // `until` sees the body's locals.
                    this.open_scope();
                    this.block_body(repeat.block());
                    let test = this.condition(repeat.until()).value;
                    this.push_test(this.node_span(repeat.until()), test);
                    this.close_scope();
                });
            }
            Stmt::NumericFor(for_loop) => {
                self.conditional_block(for_loop.for_token(), for_loop.end_token());
                self.expr(for_loop.start());
                self.expr(for_loop.end());
                if let Some(step) = for_loop.step() {
                    self.expr(step);
                }
                let span = self
                    .token_span(for_loop.for_token())
                    .cover(self.token_span(for_loop.do_token()));
                self.loop_body(
                    span,
                    LoopKind::Numeric,
                    &[for_loop.index_variable()],
                    |this| this.block(for_loop.block()),
                );
            }
            Stmt::GenericFor(for_loop) => {
                self.conditional_block(for_loop.for_token(), for_loop.end_token());
                let iterated: Vec<(Value, Span)> = self.expr_list(for_loop.expressions().iter());
                let kind = self.classify_generic_for(&iterated);
                let span = self
                    .token_span(for_loop.for_token())
                    .cover(self.token_span(for_loop.do_token()));
                let names: Vec<&'d TokenReference> = for_loop.names().iter().collect();
                self.loop_body(span, kind, &names, |this| this.block(for_loop.block()));
            }
            Stmt::Goto(_) | Stmt::Label(_) => {}
            _ => {}
        }
    }

    /// Lowers an `if` with a guard for each branch. Returns what is known after it when it
    /// is a lone `if` whose branch ends in `return` or `break` (the code after it in the same
    /// block runs only when the condition was false).
    fn if_statement(&mut self, if_stmt: &'d ast::If) -> Option<Vec<(Value, bool)>> {
        let else_ifs: &[ast::ElseIf] = if_stmt.else_if().map_or(&[], Vec::as_slice);
        // Where each branch's code ends: the next `elseif`, `else` or `end`.
        let mut branch_ends: Vec<usize> = else_ifs
            .iter()
            .map(|e| self.token_span(e.else_if_token()).start)
            .collect();
        branch_ends.extend(if_stmt.else_token().map(|t| self.token_span(t).start));
        branch_ends.push(self.token_span(if_stmt.end_token()).start);

        let condition_span = self.node_span(if_stmt.condition());
        let since = self.ir.free_names.len();
        let first = self.condition(if_stmt.condition());
        self.mark_tested(if_stmt.condition(), since);
        self.push_test(condition_span, first.value);
        let then_start = self.token_span(if_stmt.then_token()).end;
        let mut deciding = first.operands;
        self.push_guard(
            condition_span,
            then_start,
            branch_ends[0],
            first.when_true,
            deciding.clone(),
        );
        self.block(if_stmt.block());
        let mut all_return = ends_in_return(if_stmt.block());
        let mut all_false = first.when_false;
        for (i, else_if) in else_ifs.iter().enumerate() {
            let span = self.node_span(else_if.condition());
            let since = self.ir.free_names.len();
            let condition = self.condition(else_if.condition());
            self.mark_tested(else_if.condition(), since);
            self.push_test(span, condition.value);
            let mut facts = all_false.clone();
            facts.extend(condition.when_true);
            deciding.extend(condition.operands);
            let start = self.token_span(else_if.then_token()).end;
            self.push_guard(span, start, branch_ends[i + 1], facts, deciding.clone());
            all_false.extend(condition.when_false);
            self.block(else_if.block());
            all_return &= ends_in_return(else_if.block());
        }
        if let (Some(else_token), Some(block)) = (if_stmt.else_token(), if_stmt.else_block()) {
            let start = self.token_span(else_token).end;
            let end = self.token_span(if_stmt.end_token()).start;
            self.push_guard(condition_span, start, end, all_false.clone(), deciding);
            self.block(block);
        } else if all_return {
            // Every branch returns: the rest of the function runs only when no test held
            // (`if not storage.on then return end`).
            let func_end = self.ir.functions[self.current_func() as usize].span.end;
            let after = self.token_span(if_stmt.end_token()).end;
            self.push_guard(condition_span, after, func_end, Vec::new(), deciding);
        }
        let exits = matches!(
            if_stmt.block().last_stmt(),
            Some(ast::LastStmt::Return(_) | ast::LastStmt::Break(_))
        );
        (exits && else_ifs.is_empty() && if_stmt.else_token().is_none()).then_some(all_false)
    }

    fn push_test(&mut self, span: Span, value: Value) {
        self.ir.tests.push(Test {
            func: self.current_func(),
            span,
            value,
        });
    }

    fn push_guard(
        &mut self,
        condition: Span,
        start: usize,
        end: usize,
        facts: Vec<(Value, bool)>,
        conditions: Vec<Value>,
    ) {
        if (facts.is_empty() && conditions.is_empty()) || end <= start {
            return;
        }
        self.ir.guards.push(Guard {
            func: self.current_func(),
            region: Span::new(start, end),
            condition,
            facts,
            conditions,
        });
    }

    /// Lowers a condition and works out which places it proves truthy or falsy.
    fn condition(&mut self, expr: &'d Expression) -> Condition {
        match expr {
            Expression::Parentheses { expression, .. } => self.condition(expression),
            Expression::UnaryOperator {
                unop: ast::UnOp::Not(_),
                expression,
            } => {
                let inner = self.condition(expression);
                Condition {
                    value: Value::Scalar(vec![inner.value]),
                    when_true: inner.when_false,
                    when_false: inner.when_true,
                    operands: inner.operands,
                }
            }
            Expression::BinaryOperator { lhs, binop, rhs }
                if matches!(binop, ast::BinOp::And(_) | ast::BinOp::Or(_)) =>
            {
                self.logical(lhs, binop, rhs)
            }
            Expression::BinaryOperator { lhs, binop, rhs }
                if matches!(binop, ast::BinOp::TwoEqual(_) | ast::BinOp::TildeEqual(_)) =>
            {
                let left = self.expr(lhs);
                let right = self.expr(rhs);
                let compared_with_nil = match (&left, &right) {
                    (place, Value::Nil) | (Value::Nil, place) if is_place(place) => {
                        Some(place.clone())
                    }
                    _ => None,
                };
                let value = Value::Scalar(vec![left, right]);
                match compared_with_nil {
                    Some(place) => {
                        let is_nil = vec![(place.clone(), false)];
                        let not_nil = vec![(place, true)];
                        let (when_true, when_false) = match binop {
                            ast::BinOp::TwoEqual(_) => (is_nil, not_nil),
                            _ => (not_nil, is_nil),
                        };
                        Condition {
                            operands: vec![value.clone()],
                            value,
                            when_true,
                            when_false,
                        }
                    }
                    None => Condition::opaque(value),
                }
            }
            other => {
                let value = self.expr(other);
                if is_place(&value) {
                    Condition {
                        when_true: vec![(value.clone(), true)],
                        when_false: vec![(value.clone(), false)],
                        operands: vec![value.clone()],
                        value,
                    }
                } else {
                    Condition::opaque(value)
                }
            }
        }
    }

    /// `a and b` / `a or b`: `b` is evaluated only when `a` is truthy (falsy), a guard.
    fn logical(
        &mut self,
        lhs: &'d Expression,
        binop: &'d ast::BinOp,
        rhs: &'d Expression,
    ) -> Condition {
        let left = self.condition(lhs);
        let is_and = matches!(binop, ast::BinOp::And(_));
        let known = if is_and {
            left.when_true.clone()
        } else {
            left.when_false.clone()
        };
        let rhs_span = self.node_span(rhs);
        let deciding = left.operands.clone();
        self.push_guard(
            self.node_span(lhs),
            rhs_span.start,
            rhs_span.end,
            known,
            deciding,
        );
        let right = self.condition(rhs);
        let mut operands = left.operands;
        operands.extend(right.operands);
        if is_and {
            let mut when_true = left.when_true;
            when_true.extend(right.when_true);
            Condition {
                // `a and b` is `b`, or a falsy `a` (nil or false): never an object `a`.
                value: Value::Either(Arc::new(right.value), Arc::new(Value::Nil)),
                when_true,
                when_false: Vec::new(),
                operands,
            }
        } else {
            let mut when_false = left.when_false;
            when_false.extend(right.when_false);
            Condition {
                value: Value::Either(Arc::new(left.value), Arc::new(right.value)),
                when_true: Vec::new(),
                when_false,
                operands,
            }
        }
    }

    /// Records a statement from `first` to `last` whose body may not run on every call.
    fn conditional_block(&mut self, first: &'d TokenReference, last: &'d TokenReference) {
        let span = self.token_span(first).cover(self.token_span(last));
        let func = self.current_func();
        self.ir.conditional_blocks.push((func, span));
    }

    /// Records a read of `place` when it is rooted outside the current function (see
    /// [`OuterRead`]).
    fn record_outer_read(&mut self, place: &Value, span: Span) {
        let mut root = place;
        while let Value::Index(base, _) = root {
            root = base;
        }
        let func = self.current_func();
        let outer = match root {
            Value::Local(binding) => {
                let binding = &self.ir.bindings[*binding as usize];
                binding.func != func && binding.kind != BindingKind::LocalFunction
            }
            Value::Global(name) => !super::module_state::is_builtin_global(name),
            _ => false,
        };
        if outer {
            self.ir.outer_reads.push(OuterRead {
                place: place.clone(),
                span,
                func,
            });
        }
    }

    /// Opens a loop scope, declares its variables, and lowers the body inside it.
    fn loop_body(
        &mut self,
        span: Span,
        kind: LoopKind,
        vars: &[&'d TokenReference],
        body: impl FnOnce(&mut Self),
    ) {
        let id = self.ir.loops.len() as LoopId;
        self.ir.loops.push(Loop {
            span,
            func: self.current_func(),
            kind,
            vars: Vec::new(),
        });
        self.open_scope();
        let vars: Vec<BindingId> = vars
            .iter()
            .map(|v| self.declare(v, BindingKind::LoopVar(id), None))
            .collect();
        self.ir.loops[id as usize].vars = vars;
        if let Some(frame) = self.func_stack.last_mut() {
            frame.loops.push(id);
        }
        body(self);
        if let Some(frame) = self.func_stack.last_mut() {
            frame.loops.pop();
        }
        self.close_scope();
    }

    fn classify_generic_for(&self, iterated: &[(Value, Span)]) -> LoopKind {
        let Some((first, _)) = iterated.first() else {
            return LoopKind::Generic(Value::Unknown);
        };
        if let Value::Call(call) = first {
            let call = &self.ir.calls[*call as usize];
            let arg = call.args.first().cloned().unwrap_or_default();
            match &call.callee {
                Value::Global(name) if name == "pairs" => return LoopKind::Pairs(arg),
                Value::Global(name) if name == "ipairs" => return LoopKind::Ipairs(arg),
                _ => {}
            }
        }
        // `for k, v in next, t do`
        if matches!(first, Value::Global(name) if name == "next") {
            return LoopKind::Pairs(iterated.get(1).map(|(v, _)| v.clone()).unwrap_or_default());
        }
        LoopKind::Generic(first.clone())
    }

    fn assignment(&mut self, assign: &'d ast::Assignment, tags: &'d [DocTag]) {
        self.expect_function_docs(assign.expressions().iter().next(), tags);
        let mut values = self.expr_list(assign.expressions().iter()).into_iter();
        for (i, var) in assign.variables().iter().enumerate() {
            let target = self.var(var, true);
            let (value, value_span) = values
                .next()
                .unwrap_or_else(|| (Value::Nil, self.node_span(var)));
            let annotation = match &target {
                _ if i > 0 => None,
                // `---@class` names what a plain name holds, not a field (`M.__index = M`).
                Value::Index(..) => tags.iter().find_map(|tag| match tag {
                    DocTag::Type(ty) => Some(Box::new(ty.clone())),
                    _ => None,
                }),
                _ => declared_type(tags),
            };
            if let Value::Local(binding) = target {
                let binding = &mut self.ir.bindings[binding as usize];
                binding.values.push(value.clone());
                if binding.annotation.is_none() {
                    binding.annotation = annotation.clone();
                }
            }
            self.ir.assigns.push(Assign {
                span: self.node_span(var),
                value_span,
                func: self.current_func(),
                target,
                value,
                loops: self.current_loops(),
                annotation,
            });
        }
    }

    fn function_declaration(&mut self, decl: &'d ast::FunctionDeclaration, tags: &'d [DocTag]) {
        let name = decl.name();
        let parts: Vec<&'d TokenReference> = name.names().iter().collect();
        let Some(first) = parts.first() else { return };
        let mut target = self.name_value(first, parts.len() == 1 && name.method_name().is_none());
        let owner = target.clone();
        for part in &parts[1..] {
            target = indexed(target, part);
        }
        let method = name.method_name();
        if let Some(method) = method {
            target = indexed(target, method);
        }
        let mut display: Vec<String> = parts.iter().map(|p| name_str(p).into_owned()).collect();
        if let Some(method) = method {
            let last = display.pop().unwrap_or_default();
            display.push(format!("{last}:{}", name_str(method)));
        }
        let head = self.node_span(name);
        let func = self.function_body(decl.body(), display.join("."), head, method.is_some(), tags);
        // `function Tag:rename()` where `---@class Tag` names the local `Tag`: `self` is a Tag.
        if let (Some(_), [_], Value::Local(owner)) = (method, parts.as_slice(), &owner) {
            let owner_type = self.ir.bindings[*owner as usize].annotation.clone();
            let self_param = self.ir.functions[func as usize].params.first().copied();
            if let (Some(ty), Some(self_param)) = (owner_type, self_param) {
                self.ir.bindings[self_param as usize]
                    .annotation
                    .get_or_insert(ty);
            }
        }
        self.ir.assigns.push(Assign {
            span: head,
            value_span: head,
            func: self.current_func(),
            target: target.clone(),
            value: Value::Function(func),
            loops: self.current_loops(),
            annotation: None,
        });
        if let Value::Local(binding) = target {
            self.ir.bindings[binding as usize]
                .values
                .push(Value::Function(func));
        }
    }

    fn function_body(
        &mut self,
        body: &'d ast::FunctionBody,
        name: String,
        head_span: Span,
        is_method: bool,
        tags: &[DocTag],
    ) -> FuncId {
        let id = self.ir.functions.len() as FuncId;
        let span = head_span.cover(self.node_span(body));
        let return_annotation = tags.iter().find_map(|tag| match tag {
            DocTag::Return(ty) => Some(Box::new(ty.clone())),
            _ => None,
        });
        self.ir.functions.push(Function {
            span,
            head_span,
            name,
            parent: Some(self.current_func()),
            params: Vec::new(),
            returns: Vec::new(),
            return_annotation,
        });
        self.func_stack.push(FuncFrame {
            id,
            loops: Vec::new(),
        });
        self.open_scope();
        let mut params = Vec::new();
        if is_method {
            let self_param = Cow::Borrowed("self");
            params.push(self.declare_named(self_param, head_span, BindingKind::Param, None));
        }
        for param in body.parameters().iter() {
            if let ast::Parameter::Name(token) = param {
                params.push(self.declare(token, BindingKind::Param, None));
            }
        }
        for tag in tags {
            if let DocTag::Param { name, ty } = tag {
                let param = params
                    .iter()
                    .find(|p| self.ir.bindings[**p as usize].name == *name);
                if let Some(param) = param {
                    self.ir.bindings[*param as usize].annotation = Some(Box::new(ty.clone()));
                }
            }
        }
        self.ir.functions[id as usize].params = params;
        self.block_body(body.block());
        self.close_scope();
        self.func_stack.pop();
        id
    }

    fn expr_list(&mut self, exprs: impl Iterator<Item = &'d Expression>) -> Vec<(Value, Span)> {
        exprs.map(|e| (self.expr(e), self.node_span(e))).collect()
    }

    /// Marks the free names `expr` tests for being set: the expression itself if it is a name,
    /// and through `and`, `or`, `not`, parentheses and comparisons with `nil`. `since`: the
    /// number of free names before `expr` was lowered (its names are the ones after: a local
    /// name has none to find, and searching all would cost the whole file's).
    fn mark_tested(&mut self, expr: &'d Expression, since: usize) {
        match expr {
            Expression::Var(ast::Var::Name(token)) => {
                let span = self.token_span(token);
                let names = &mut self.ir.free_names[since..];
                if let Some(name) = names.iter_mut().rev().find(|n| n.span == span) {
                    name.tested = true;
                }
            }
            Expression::Parentheses { expression, .. } => self.mark_tested(expression, since),
            Expression::UnaryOperator {
                unop: ast::UnOp::Not(_),
                expression,
            } => self.mark_tested(expression, since),
            Expression::BinaryOperator { lhs, binop, rhs } => match binop {
                ast::BinOp::And(_) | ast::BinOp::Or(_) => {
                    self.mark_tested(lhs, since);
                    self.mark_tested(rhs, since);
                }
                ast::BinOp::TwoEqual(_) | ast::BinOp::TildeEqual(_) => {
                    let is_nil = |e: &'d Expression| matches!(e, Expression::Symbol(t) if symbol_of(t) == Some(Symbol::Nil));
                    if is_nil(rhs) {
                        self.mark_tested(lhs, since);
                    } else if is_nil(lhs) {
                        self.mark_tested(rhs, since);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn expr(&mut self, expr: &'d Expression) -> Value {
        match expr {
            Expression::BinaryOperator { lhs, binop, rhs } => match binop {
                ast::BinOp::And(_) | ast::BinOp::Or(_) => {
                    let since = self.ir.free_names.len();
                    let value = self.logical(lhs, binop, rhs).value;
                    // `game and game.tick`: the left operand is tested for being set.
                    self.mark_tested(lhs, since);
                    value
                }
                _ => {
                    let left = self.expr(lhs);
                    let right = self.expr(rhs);
                    Value::Scalar(vec![left, right])
                }
            },
            Expression::Parentheses { expression, .. } => {
                let value = self.expr(expression);
                // `(f())` truncates to one value; it is still that value.
                value
            }
            Expression::UnaryOperator { unop, expression } => {
                let value = self.expr(expression);
                match unop {
                    ast::UnOp::Hash(_) => Value::Length(Arc::new(value)),
                    _ => Value::Scalar(vec![value]),
                }
            }
            Expression::Function(anonymous) => {
                let head = self.token_span(anonymous.function_token());
                let tags = match self.anonymous_function_docs.take() {
                    Some((start, tags)) if start == head.start => tags,
                    _ => &[],
                };
                Value::Function(self.function_body(
                    anonymous.body(),
                    "<anonymous>".to_string(),
                    head,
                    false,
                    tags,
                ))
            }
            Expression::FunctionCall(call) => self.function_call(call),
            Expression::TableConstructor(table) => self.table(table),
            Expression::Number(token) => Value::Number(number_text(token)),
            Expression::String(token) => Value::Str(string_literal(token)),
            Expression::Symbol(token) => match symbol_of(token) {
                Some(Symbol::Nil) => Value::Nil,
                Some(Symbol::True) => Value::Bool(true),
                Some(Symbol::False) => Value::Bool(false),
                Some(Symbol::Ellipsis) => Value::Vararg,
                _ => Value::Unknown,
            },
            Expression::Var(var) => self.var(var, false),
            _ => Value::Unknown,
        }
    }

    fn table(&mut self, table: &'d ast::TableConstructor) -> Value {
        if table.fields().is_empty() {
            let open = self.token_span(table.braces().tokens().0).start;
            if self.tables.is_literal_table(open) {
                let fields = read_literal_table::<LiteralLowering>(self.text, open, self.tables);
                return Value::Table(fields);
            }
        }
        let mut fields = Vec::with_capacity(table.fields().len());
        for field in table.fields().iter() {
            let (key, value) = match field {
                ast::Field::NameKey { key, value, .. } => {
                    (Some(Key::Name(name_of(key))), self.expr(value))
                }
                ast::Field::ExpressionKey { key, value, .. } => {
                    let key = match self.expr(key) {
                        Value::Str(s) => Key::Name(s),
                        other => Key::Dynamic(Arc::new(other)),
                    };
                    (Some(key), self.expr(value))
                }
                ast::Field::NoKey(value) => (None, self.expr(value)),
                _ => continue,
            };
            // After the value: its last token has just been read.
            let span = self.node_span(field);
            fields.push(TableField { key, value, span });
        }
        Value::Table(fields)
    }

    fn var(&mut self, var: &'d ast::Var, write: bool) -> Value {
        match var {
            ast::Var::Name(token) => {
                let value = self.name_value(token, write);
                if !write {
                    self.record_outer_read(&value, self.token_span(token));
                }
                value
            }
            ast::Var::Expression(var_expr) => {
                let base = self.prefix(var_expr.prefix());
                self.suffixes(
                    base,
                    self.node_span(var_expr.prefix()),
                    var_expr.suffixes(),
                    write,
                )
            }
            _ => Value::Unknown,
        }
    }

    fn prefix(&mut self, prefix: &'d ast::Prefix) -> Value {
        match prefix {
            ast::Prefix::Name(token) => self.name_value(token, false),
            ast::Prefix::Expression(expr) => self.expr(expr),
            _ => Value::Unknown,
        }
    }

    fn function_call(&mut self, call: &'d ast::FunctionCall) -> Value {
        let base = self.prefix(call.prefix());
        self.suffixes(base, self.node_span(call.prefix()), call.suffixes(), false)
    }

    /// Applies `.x`, `[k]`, `(args)`, `:m(args)` in order. `start` is where the chain begins;
    /// `write`: the last suffix is an assignment target. The place a call is made on is a read
    /// (an outer read when rooted outside the function); so is the whole chain unless `write`.
    fn suffixes(
        &mut self,
        mut value: Value,
        start: Span,
        suffixes: impl Iterator<Item = &'d ast::Suffix>,
        write: bool,
    ) -> Value {
        let mut chain_span = start;
        let mut suffixes = suffixes.peekable();
        // Members read along the current run of fields (in `pending_members` from here on),
        // with how many fields deep their value is; recorded against the run's last value
        // when a call or the end closes it.
        let pending = self.pending_members.len();
        let mut fields = 0;
        let mut place = true;
        while let Some(suffix) = suffixes.next() {
            let suffix_span = self.node_span(suffix);
            if place && matches!(suffix, ast::Suffix::Call(_)) {
                self.record_outer_read(&value, chain_span);
                place = false;
            }
            match suffix {
                ast::Suffix::Index(ast::Index::Dot { name, .. }) => {
                    let usage = match suffixes.peek() {
                        Some(ast::Suffix::Call(ast::Call::AnonymousCall(_))) => MemberUse::Call,
                        None if write => MemberUse::Write,
                        _ => MemberUse::Read,
                    };
                    self.pending_members.push((name, fields, usage, chain_span));
                    value = indexed(value, name);
                    fields += 1;
                }
                ast::Suffix::Index(ast::Index::Brackets { expression, .. }) => {
                    let key = match self.expr(expression) {
                        Value::Str(s) => Key::Name(s),
                        other => Key::Dynamic(Arc::new(other)),
                    };
                    value = Value::Index(Arc::new(value), key);
                    fields += 1;
                }
                ast::Suffix::Call(ast::Call::AnonymousCall(args)) => {
                    let chain = self.record_callee_members(fields, pending);
                    fields = 0;
                    let callee_span = chain_span;
                    value = self.record_call(value, callee_span, suffix_span, None, args);
                    self.close_callee_chain(chain, &value);
                }
                ast::Suffix::Call(ast::Call::MethodCall(method)) => {
                    let member = (method.name(), fields, MemberUse::Call, chain_span);
                    self.pending_members.push(member);
                    let callee = indexed(value.clone(), method.name());
                    let chain = self.record_callee_members(fields + 1, pending);
                    fields = 0;
                    let callee_span = chain_span.cover(self.token_span(method.name()));
                    let receiver = (value, chain_span);
                    value = self.record_call(
                        callee,
                        callee_span,
                        suffix_span,
                        Some(receiver),
                        method.args(),
                    );
                    self.close_callee_chain(chain, &value);
                }
                _ => {
                    self.pending_members.truncate(pending);
                    fields = 0;
                    value = Value::Unknown;
                }
            }
            chain_span = chain_span.cover(suffix_span);
        }
        self.record_members(&value, fields, pending);
        if place && !write {
            self.record_outer_read(&value, chain_span);
        }
        value
    }

    /// Records the members read along a run of `fields` fields that ends in `chain`.
    fn record_members(&mut self, chain: &Value, fields: u32, members: usize) {
        if self.pending_members.len() > members {
            self.push_members(MemberChain::Value(chain.clone()), fields, members);
        }
    }

    /// Records the members along a run of `fields` fields that a call closes: their chain is
    /// the call's callee, shared rather than copied once the call is recorded (see
    /// [`Self::close_callee_chain`]). Members come before the arguments' own, in source order.
    fn record_callee_members(&mut self, fields: u32, members: usize) -> Option<usize> {
        if self.pending_members.len() <= members {
            return None;
        }
        let chain = self.ir.member_chains.len();
        self.push_members(MemberChain::Callee(CallId::MAX), fields, members);
        Some(chain)
    }

    /// Points a chain opened by [`Self::record_callee_members`] at the call just recorded.
    fn close_callee_chain(&mut self, chain: Option<usize>, call: &Value) {
        if let (Some(chain), Value::Call(id)) = (chain, call) {
            self.ir.member_chains[chain] = MemberChain::Callee(*id);
        }
    }

    /// Records the pending members from index `members` on against `chain`.
    fn push_members(&mut self, chain: MemberChain, fields: u32, members: usize) {
        let chain_id = self.ir.member_chains.len() as u32;
        self.ir.member_chains.push(chain);
        let func = self.current_func();
        for (name, depth, usage, base_span) in self.pending_members.drain(members..) {
            self.ir.members.push(MemberRef {
                chain: chain_id,
                depth: fields - depth,
                span: self.shifts.token(name),
                base_span,
                func,
                usage,
            });
        }
    }

    fn record_call(
        &mut self,
        callee: Value,
        callee_span: Span,
        args_span: Span,
        receiver: Option<(Value, Span)>,
        call_args: &'d ast::FunctionArgs,
    ) -> Value {
        let is_method = receiver.is_some();
        let count = usize::from(is_method)
            + match call_args {
                ast::FunctionArgs::Parentheses { arguments, .. } => arguments.len(),
                _ => 1,
            };
        let mut args = Vec::with_capacity(count);
        let mut arg_spans = Vec::with_capacity(count);
        if let Some((value, span)) = receiver {
            args.push(value);
            arg_spans.push(span);
        }
        match call_args {
            ast::FunctionArgs::Parentheses { arguments, .. } => {
                let since = self.ir.free_names.len();
                for argument in arguments.iter() {
                    args.push(self.expr(argument));
                    arg_spans.push(self.node_span(argument));
                }
                // `type(game)` asks whether it is set.
                if matches!(&callee, Value::Global(name) if name == "type") {
                    if let Some(first) = arguments.iter().next() {
                        self.mark_tested(first, since);
                    }
                }
            }
            ast::FunctionArgs::String(token) => {
                args.push(Value::Str(string_literal(token)));
                arg_spans.push(self.token_span(token));
            }
            ast::FunctionArgs::TableConstructor(table) => {
                args.push(self.table(table));
                arg_spans.push(self.node_span(table.as_ref()));
            }
            _ => {}
        }
        let id = self.ir.calls.len() as CallId;
        self.ir.calls.push(Call {
            span: callee_span.cover(args_span),
            callee_span,
            func: self.current_func(),
            callee,
            is_method,
            args,
            arg_spans,
            loops: self.current_loops(),
        });
        Value::Call(id)
    }
}

/// A lowered condition: its value and what it proves when true and when false.
struct Condition {
    value: Value,
    when_true: Vec<(Value, bool)>,
    when_false: Vec<(Value, bool)>,
    /// The operands that decide it: `a and b or c` is `[a, b, c]`.
    operands: Vec<Value>,
}

impl Condition {
    /// A condition that proves nothing about any place (`a > b`, `f(x)`).
    fn opaque(value: Value) -> Condition {
        Condition {
            operands: vec![value.clone()],
            value,
            when_true: Vec::new(),
            when_false: Vec::new(),
        }
    }
}

/// A place a condition can test: a name or a chain of named fields (`game`, `storage.x.y`).
fn is_place(value: &Value) -> bool {
    match value {
        Value::Global(_) | Value::Local(_) => true,
        Value::Index(base, _) => is_place(base),
        _ => false,
    }
}

fn ends_in_return(block: &ast::Block) -> bool {
    matches!(block.last_stmt(), Some(ast::LastStmt::Return(_)))
}

/// The text of a number token, as written.
fn number_text(token: &TokenReference) -> SmolStr {
    match token.token().token_type() {
        TokenType::Number { text } => SmolStr::new(text.as_str()),
        _ => SmolStr::new(token.token().to_string()),
    }
}

/// The symbol a token is (`nil`, `true`, `...`), read without rendering it.
fn symbol_of(token: &TokenReference) -> Option<Symbol> {
    match token.token().token_type() {
        TokenType::Symbol { symbol } => Some(*symbol),
        _ => None,
    }
}

/// A table of literals read back by the scanner, lowered as [`Lowerer::table`] lowers the
/// same table from full_moon's tree.
struct LiteralLowering;

impl<'t> LiteralBuilder<'t> for LiteralLowering {
    type Value = Value;
    type Field = TableField;

    fn literal(literal: Literal<'t>) -> Value {
        match literal {
            Literal::Nil => Value::Nil,
            Literal::Bool(b) => Value::Bool(b),
            Literal::Number(text) => Value::Number(SmolStr::new(text)),
            // A unary operator gives a scalar of its operand, as in `Lowerer::expr`.
            Literal::Negated(text) => Value::Scalar(vec![Value::Number(SmolStr::new(text))]),
            Literal::Str { text, quoted } => Value::Str(string_text(text, quoted)),
        }
    }

    fn field(key: Option<LiteralKey<'t>>, value: Value, span: Span) -> TableField {
        let key = key.map(|key| match key {
            LiteralKey::Name(name) => Key::Name(SmolStr::new(name)),
            LiteralKey::Bracketed(key) => match Self::literal(key) {
                Value::Str(s) => Key::Name(s),
                other => Key::Dynamic(Arc::new(other)),
            },
        });
        TableField { key, value, span }
    }

    fn table(fields: Vec<TableField>) -> Value {
        Value::Table(fields)
    }
}

/// A string literal's text as full_moon keeps it (between quotes or long brackets), with the
/// common escapes of a quoted string decoded.
fn string_text(literal: &str, quoted: bool) -> SmolStr {
    if !quoted || !literal.contains('\\') {
        SmolStr::new(literal)
    } else {
        SmolStr::new(decode_escapes(literal))
    }
}

/// The contents of a string literal token, with the common escapes decoded.
fn string_literal(token: &TokenReference) -> SmolStr {
    match token.token().token_type() {
        TokenType::StringLiteral {
            literal,
            multi_line_depth,
            ..
        } => string_text(literal, *multi_line_depth == 0),
        _ => SmolStr::default(),
    }
}

fn decode_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_text(text: &str) -> FileIr {
        let parsed = crate::syntax::parse(text).expect("parses");
        lower(&parsed, text)
    }

    /// The lowered file, as bytes: with its tables of literals blanked and read back, and with
    /// full_moon reading them.
    fn lowered_both_ways(text: &str) -> (Vec<u8>, Vec<u8>) {
        let elided = crate::syntax::parse(text).expect("parses");
        let whole = crate::syntax::parse_without_elision(text).expect("parses");
        let bytes = |ir: FileIr| postcard::to_stdvec(&ir).expect("encodes");
        (bytes(lower(&elided, text)), bytes(lower(&whole, text)))
    }

    #[test]
    fn a_lowered_file_keeps_no_spare_room_in_its_lists() {
        // A file mostly of one table: the lists were sized for a file of code this long.
        let rows = "{ name = \"a\", amount = 1 },\n".repeat(400);
        let text = format!(
            "local x = f(1)\nstorage.rows = {{ {rows} }}\nlocal function g() return x end\n"
        );
        let ir = lower_text(&text);
        assert_eq!((ir.calls.len(), ir.calls.capacity()), (1, 1));
        assert_eq!(ir.bindings.capacity(), ir.bindings.len());
        assert_eq!(ir.members.capacity(), ir.members.len());
        assert_eq!(ir.free_names.capacity(), ir.free_names.len());
        assert_eq!(ir.functions.capacity(), 2);
    }

    #[test]
    fn tables_of_literals_read_back_lower_as_full_moon_reads_them() {
        let item = r#"{ type = "item", name = "crate", ["order"] = 'a-b', [2] = true, [-3] = false,
            [ "x\"y" ] = "tab\tand \"quote\"", [[long]], [==[ with ]] inside ]==], 0x1F, -2.5e3,
            --[[ a comment ]] nested = { {}, { 1, 2; 3 }, { [true] = nil } }; last = -- trailing
            "end", }"#;
        assert!(item.len() >= 256);
        let text = format!(
            "local items = {{ {item}, {item} }}\nstorage.items = {{ {item} }}\ndata:extend{{ {item} }}\nf({{ {item}, g }})\n"
        );
        assert!(!crate::syntax::parse(&text)
            .unwrap()
            .tables
            .literal
            .is_empty());
        let (elided, whole) = lowered_both_ways(&text);
        assert_eq!(elided, whole);
    }

    #[test]
    fn a_large_table_of_numbers_inside_a_table_of_literals_is_empty() {
        let numbers = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,\n".repeat(40);
        let text = format!("sprite = {{ filename = \"a.png\", frames = {{ {numbers} }} }}\n");
        let ir = lower_text(&text);
        let Some(Value::Table(fields)) = ir.assigns.first().map(|a| &a.value) else {
            panic!("{:?}", ir.assigns);
        };
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].value, Value::Str("a.png".into()));
        assert_eq!(fields[1].value, Value::Table(Vec::new()));
        assert_eq!(
            &text[fields[1].span.start..fields[1].span.end],
            format!("frames = {{ {numbers} }}")
        );
    }

    fn free(ir: &FileIr, name: &str) -> Vec<(usize, bool)> {
        ir.free_names
            .iter()
            .filter(|n| n.name == name)
            .map(|n| (n.span.start, n.write))
            .collect()
    }

    #[test]
    fn locals_shadow_globals() {
        let ir = lower_text("global.x = 1\nlocal global = {}\nglobal.y = 2\n");
        assert_eq!(free(&ir, "global"), vec![(0, false)]);
    }

    #[test]
    fn fields_named_global_are_not_the_free_name() {
        let ir = lower_text("local a = settings.global\nlocal t = {global = 1}\nt.global = 2\n");
        assert!(free(&ir, "global").is_empty());
    }

    #[test]
    fn function_parameters_and_loop_variables_shadow() {
        let ir = lower_text("local function f(global) return global end\nfor global in pairs(t) do end\nreturn global");
        assert_eq!(free(&ir, "global").len(), 1);
    }

    #[test]
    fn local_declaration_sees_outer_name_in_initialiser() {
        // `local global = global` reads the free name, then shadows it.
        let ir = lower_text("local global = global\nreturn global");
        assert_eq!(free(&ir, "global").len(), 1);
    }

    #[test]
    fn assignment_to_free_name_is_a_write() {
        let ir = lower_text("global = {}\n");
        assert_eq!(free(&ir, "global"), vec![(0, true)]);
    }

    #[test]
    fn repeat_until_sees_body_locals() {
        let ir = lower_text("repeat local done = true until done");
        assert!(free(&ir, "done").is_empty());
    }

    #[test]
    fn calls_record_callee_and_loops() {
        let ir = lower_text("for k, v in pairs(t) do script.on_event(k, v) end\nobj:method(1)");
        let on_event = &ir.calls[1];
        assert_eq!(
            on_event.callee.global_path(),
            Some(vec!["script", "on_event"])
        );
        assert_eq!(on_event.loops.len(), 1);
        assert!(matches!(ir.loops[0].kind, LoopKind::Pairs(Value::Global(ref t)) if t == "t"));
        let method = &ir.calls[2];
        assert!(method.is_method);
        assert_eq!(method.args.len(), 2);
    }

    #[test]
    fn and_yields_its_right_operand() {
        let ir = lower_text("local x = game and game.tick or 0");
        let Value::Either(left, _) = &ir.bindings[0].values[0] else {
            panic!("{:?}", ir.bindings[0].values)
        };
        assert!(
            matches!(left.as_ref(), Value::Either(b, nil) if **nil == Value::Nil && b.global_path() == Some(vec!["game", "tick"]))
        );
    }

    #[test]
    fn spans_of_nested_expressions_are_exact() {
        let text = format!("x = {}1{}", "a[".repeat(40), "]".repeat(40));
        // Exponential span computation would hang here rather than fail: the benchmark
        // measures speed; this checks the spans.
        let ir = lower_text(&text);
        assert_eq!(ir.assigns[0].value_span, Span::new(4, text.len()));
        let ir = lower_text("local t = { f(1), -- c\n (2) }");
        assert_eq!(ir.bindings[0].values.len(), 1);
        assert_eq!(ir.calls[0].span, Span::new(12, 16));
    }

    #[test]
    fn annotations_attach_to_params_returns_locals_and_fields() {
        let text = "local M = {}\n---@param tag Tag\n---@return LuaCustomChartTag?\nfunction M.get(tag, other) return tag.chart_tag end\n---@type LuaEntity[]\nlocal list = {}\n---@param e LuaEntity\nlocal handler = function(e) end\n---@type Lookups\nM.lookups = nil\n---@class Box\nlocal Box = {}\n";
        let ir = lower_text(text);
        let annotation = |name: &str| {
            ir.bindings
                .iter()
                .find(|b| b.name == name)
                .and_then(|b| b.annotation.as_deref().cloned())
        };
        let named = |n: &str| Some(TypeExpr::Name(n.to_string()));
        assert_eq!(annotation("tag"), named("Tag"));
        assert_eq!(annotation("other"), None);
        assert_eq!(annotation("e"), named("LuaEntity"));
        assert_eq!(annotation("Box"), named("Box"));
        assert!(matches!(annotation("list"), Some(TypeExpr::Array(_))));
        assert!(ir.functions[1].return_annotation.is_some());
        let lookups = ir.assigns.iter().find(|a| a.annotation.is_some()).unwrap();
        assert_eq!(ir.describe(&lookups.target), "M.lookups");
        assert_eq!(ir.classes.len(), 1);
    }

    #[test]
    fn methods_of_an_annotated_table_type_self() {
        let ir = lower_text("---@class Tag\nlocal Tag = {}\nfunction Tag:rename(text) end\n");
        let self_param = ir.bindings.iter().find(|b| b.name == "self").unwrap();
        assert_eq!(
            self_param.annotation.as_deref(),
            Some(&TypeExpr::Name("Tag".to_string()))
        );
    }

    /// The guards whose region holds the first occurrence of `needle`, as
    /// (rendered fact, truthy) lists.
    fn facts_at(ir: &FileIr, text: &str, needle: &str) -> Vec<Vec<(String, bool)>> {
        let at = text.find(needle).expect("needle in text");
        ir.guards
            .iter()
            .filter(|g| g.region.start <= at && at + needle.len() <= g.region.end)
            .filter(|g| !g.facts.is_empty())
            .map(|g| g.facts.iter().map(|(v, t)| (ir.describe(v), *t)).collect())
            .collect()
    }

    #[test]
    fn guards_record_what_conditions_prove() {
        let text = "if game and x ~= nil then A() elseif not y then B() else C() end\n\
                    local t = game and game.tick\n\
                    local function f()\n  if not game then return end\n  D()\nend\n\
                    if a or b then E() end\n\
                    if n > 0 then F() end\n";
        let ir = lower_text(text);
        let t = |s: &str, b: bool| (s.to_string(), b);
        assert_eq!(
            facts_at(&ir, text, "A()"),
            vec![vec![t("game", true), t("x", true)]]
        );
        assert_eq!(facts_at(&ir, text, "B()"), vec![vec![t("y", false)]]);
        assert_eq!(facts_at(&ir, text, "C()"), vec![vec![t("y", true)]]);
        assert_eq!(
            facts_at(&ir, text, "game.tick"),
            vec![vec![t("game", true)]]
        );
        assert_eq!(facts_at(&ir, text, "D()"), vec![vec![t("game", true)]]);
        // `a or b` proves neither; a comparison proves nothing about a place.
        assert!(facts_at(&ir, text, "E()").is_empty());
        assert!(facts_at(&ir, text, "F()").is_empty());
    }

    #[test]
    fn an_early_return_guards_only_the_rest_of_its_block() {
        let text = "if x then\n  if not game then return end\n  A()\nelse\n  B()\nend\nC()\n";
        let ir = lower_text(text);
        assert_eq!(facts_at(&ir, text, "A()").len(), 2, "x and game");
        assert_eq!(facts_at(&ir, text, "B()").len(), 1, "only not x");
        assert!(facts_at(&ir, text, "C()").is_empty());
    }

    #[test]
    fn booleans_keep_their_value_and_names_their_function() {
        let ir = lower_text("local a, b = true, false\nlocal function f() return game end\n");
        assert_eq!(ir.bindings[0].values, vec![Value::Bool(true)]);
        assert_eq!(ir.bindings[1].values, vec![Value::Bool(false)]);
        let game = ir.free_names.iter().find(|n| n.name == "game").unwrap();
        assert_eq!(ir.function(game.func).name, "local f");
    }

    #[test]
    fn members_know_the_span_of_their_object() {
        let text =
            "local p = game.players[1].gui.is_valid_sprite_path(x)\nentity.force:get_trains()\n";
        let ir = lower_text(text);
        let objects: Vec<(&str, &str)> = ir
            .members
            .iter()
            .map(|m| {
                let base = &text[m.base_span.start..m.base_span.end];
                (base, &text[m.span.start..m.span.end])
            })
            .collect();
        assert_eq!(
            objects,
            [
                ("game", "players"),
                ("game.players[1]", "gui"),
                ("game.players[1].gui", "is_valid_sprite_path"),
                ("entity", "force"),
                ("entity.force", "get_trains"),
            ]
        );
    }

    #[test]
    fn members_are_recorded_with_their_use() {
        let text = "player.character.health = x.y\nentity:destroy()\ngame.print(t[k].name)\n";
        let ir = lower_text(text);
        let members: Vec<(String, &str, MemberUse)> = ir
            .members
            .iter()
            .map(|m| {
                (
                    ir.describe(ir.member_base(m)),
                    &text[m.span.start..m.span.end],
                    m.usage,
                )
            })
            .collect();
        let expected = [
            ("x", "y", MemberUse::Read),
            ("player", "character", MemberUse::Read),
            ("player.character", "health", MemberUse::Write),
            ("entity", "destroy", MemberUse::Call),
            ("game", "print", MemberUse::Call),
            ("t[…]", "name", MemberUse::Read),
        ];
        let expected: Vec<(String, &str, MemberUse)> = expected
            .into_iter()
            .map(|(base, name, usage)| (base.to_string(), name, usage))
            .collect();
        assert_eq!(members, expected);
    }

    #[test]
    fn names_tested_for_being_set_are_marked() {
        let ir = lower_text(
            "if game then end\nlocal t = script and script.mod_name\nif not remote or rcon == nil then end\nlocal k = type(commands)\ndata.extend{}\nwhile (mods) do end\n",
        );
        let tested: Vec<(&str, bool)> = ir
            .free_names
            .iter()
            .map(|n| (n.name.as_str(), n.tested))
            .collect();
        assert_eq!(
            tested,
            [
                ("game", true),
                ("script", true),
                ("script", false),
                ("remote", true),
                ("rcon", true),
                ("type", false),
                ("commands", true),
                ("data", false),
                ("mods", true),
            ]
        );
    }

    #[test]
    fn guards_cover_branches_and_what_follows_an_early_return() {
        let text = "if storage.a then f() elseif b then g() else h() end\n\
                    local function k()\n  if not storage.on then return end\n  m()\nend\nn()";
        let ir = lower_text(text);
        let guards_of = |name: &str| -> Vec<String> {
            let call = ir
                .calls
                .iter()
                .find(|c| c.callee == Value::Global(name.into()))
                .unwrap();
            ir.guards_at(call.func, call.span)
                .flat_map(|g| g.conditions.iter().map(|c| ir.describe(c)))
                .collect()
        };
        assert_eq!(guards_of("f"), ["storage.a"]);
        assert_eq!(guards_of("g"), ["storage.a", "b"]);
        assert_eq!(guards_of("h"), ["storage.a", "b"]);
        // `not storage.on` is decided by `storage.on`.
        assert_eq!(guards_of("m"), ["storage.on"]);
        assert!(guards_of("n").is_empty());
    }

    #[test]
    fn requires_are_listed() {
        let ir = lower_text(
            "local m = require('scripts.players')\nrequire \"util\"\n\
             local parts = {'scripts.a', 'scripts.b'}\n\
             for _, part in ipairs(parts) do require(part) end\n\
             for key in pairs(parts) do require(key) end",
        );
        let paths: Vec<&str> = ir.requires().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            vec!["scripts.players", "util", "scripts.a", "scripts.b"]
        );
    }
}
