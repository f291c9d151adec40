//! Lowering: full_moon's tree → [`FileIr`], resolving every name against Lua's scoping rules.

use super::annotations::{self, DocTag, Docs, TypeExpr};
use super::ir::*;
use crate::source::Span;
use crate::syntax::Comment;
use full_moon::ast::{self, Expression, Stmt};
use full_moon::tokenizer::{TokenReference, TokenType};
use std::collections::HashMap;

/// Lowers a parsed file with its comments (for annotations). The result owns no syntax: the
/// caller may drop the tree.
pub fn lower(ast: &ast::Ast, text: &str, comments: &[Comment]) -> FileIr {
    let mut docs = annotations::collect(text, comments);
    let mut lowerer = Lowerer {
        ir: FileIr::default(),
        scopes: Vec::new(),
        func_stack: Vec::new(),
        docs: &docs,
        anonymous_function_docs: None,
    };
    lowerer.ir.functions.push(Function::main_chunk(text.len()));
    lowerer.func_stack.push(FuncFrame {
        id: MAIN_CHUNK,
        loops: Vec::new(),
    });
    lowerer.block(ast.nodes());
    let mut ir = lowerer.ir;
    ir.classes = std::mem::take(&mut docs.classes);
    ir.aliases = std::mem::take(&mut docs.aliases);
    ir
}

pub fn token_span(token: &TokenReference) -> Span {
    Span::new(
        token.token().start_position().bytes(),
        token.token().end_position().bytes(),
    )
}

/// From the node's first token to its last (see [`crate::syntax::NodeSpan`] for why not
/// `Node::range`).
pub fn node_span(node: &impl crate::syntax::NodeSpan) -> Span {
    node.span()
}

fn name_of(token: &TokenReference) -> String {
    match token.token().token_type() {
        TokenType::Identifier { identifier } => identifier.to_string(),
        _ => token.token().to_string(),
    }
}

struct FuncFrame {
    id: FuncId,
    loops: Vec<LoopId>,
}

struct Lowerer<'d> {
    ir: FileIr,
    scopes: Vec<HashMap<String, BindingId>>,
    func_stack: Vec<FuncFrame>,
    docs: &'d Docs,
    /// `local f = function(...)`: the statement's tags, for the function starting at this byte.
    anonymous_function_docs: Option<(usize, &'d [DocTag])>,
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
    /// The tags of the doc block directly above `stmt`.
    fn tags_for(&self, stmt: &Stmt) -> &'d [DocTag] {
        // The first token's start: full_moon's own `start_position` computes the whole
        // range, which is exponential in nesting (see syntax::NodeSpan).
        use full_moon::node::Node;
        let docs: &'d Docs = self.docs;
        stmt.tokens()
            .next()
            .and_then(|first| {
                docs.by_statement
                    .get(&first.token().start_position().bytes())
            })
            .map_or(&[], Vec::as_slice)
    }

    /// Remembers `tags` for the function when `first` (a statement's first value) is one.
    fn expect_function_docs(&mut self, first: Option<&Expression>, tags: &'d [DocTag]) {
        self.anonymous_function_docs = match first {
            Some(Expression::Function(anonymous)) if !tags.is_empty() => {
                Some((token_span(anonymous.function_token()).start, tags))
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
        token: &TokenReference,
        kind: BindingKind,
        value: Option<Value>,
    ) -> BindingId {
        let id = self.ir.bindings.len() as BindingId;
        let name = name_of(token);
        self.ir.bindings.push(Binding {
            name: name.clone(),
            span: token_span(token),
            func: self.current_func(),
            kind,
            values: value.into_iter().collect(),
            annotation: None,
        });
        if self.scopes.is_empty() {
            self.scopes.push(HashMap::new());
        }
        self.scopes.last_mut().expect("a scope").insert(name, id);
        id
    }

    fn resolve(&self, name: &str) -> Option<BindingId> {
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).copied())
    }

    fn name_value(&mut self, token: &TokenReference, write: bool) -> Value {
        let name = name_of(token);
        match self.resolve(&name) {
            Some(binding) => Value::Local(binding),
            None => {
                self.ir.free_names.push(NameRef {
                    name: name.clone(),
                    span: token_span(token),
                    write,
                });
                Value::Global(name)
            }
        }
    }

    fn block(&mut self, block: &ast::Block) {
        self.scopes.push(HashMap::new());
        self.block_body(block);
        self.scopes.pop();
    }

    fn block_body(&mut self, block: &ast::Block) {
        for stmt in block.stmts() {
            self.stmt(stmt);
        }
        if let Some(ast::LastStmt::Return(ret)) = block.last_stmt() {
            let values: Vec<Value> = ret.returns().iter().map(|e| self.expr(e)).collect();
            let func = self.current_func();
            self.ir.functions[func as usize].returns.push(values);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        let tags = self.tags_for(stmt);
        match stmt {
            Stmt::Assignment(assign) => self.assignment(assign, tags),
            Stmt::LocalAssignment(local) => {
                self.expect_function_docs(local.expressions().iter().next(), tags);
                let values = self.expr_list(local.expressions().iter());
                let names: Vec<&TokenReference> = local.names().iter().collect();
                for (i, name) in names.iter().enumerate() {
                    let value = values.get(i).map(|(v, _)| v.clone());
                    let id = self.declare(name, BindingKind::Local, value);
                    if i == 0 {
                        self.ir.bindings[id as usize].annotation = declared_type(tags);
                    }
                }
            }
            Stmt::LocalFunction(local) => {
                let id = self.declare(local.name(), BindingKind::LocalFunction, None);
                let name = format!("local {}", name_of(local.name()));
                let func =
                    self.function_body(local.body(), name, token_span(local.name()), false, tags);
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
                self.expr(if_stmt.condition());
                self.block(if_stmt.block());
                for else_if in if_stmt.else_if().into_iter().flatten() {
                    self.expr(else_if.condition());
                    self.block(else_if.block());
                }
                if let Some(block) = if_stmt.else_block() {
                    self.block(block);
                }
            }
            Stmt::While(while_loop) => {
                self.conditional_block(while_loop.while_token(), while_loop.end_token());
                self.expr(while_loop.condition());
                let span =
                    node_span(while_loop.condition()).cover(token_span(while_loop.while_token()));
                self.loop_body(span, LoopKind::While, &[], |this| {
                    this.block(while_loop.block())
                });
            }
            Stmt::Repeat(repeat) => {
                // The body runs at least once: not conditional.
                let span = token_span(repeat.repeat_token());
                self.loop_body(span, LoopKind::Repeat, &[], |this| {
                    // `until` sees the body's locals.
                    this.scopes.push(HashMap::new());
                    this.block_body(repeat.block());
                    this.expr(repeat.until());
                    this.scopes.pop();
                });
            }
            Stmt::NumericFor(for_loop) => {
                self.conditional_block(for_loop.for_token(), for_loop.end_token());
                self.expr(for_loop.start());
                self.expr(for_loop.end());
                if let Some(step) = for_loop.step() {
                    self.expr(step);
                }
                let span = token_span(for_loop.for_token()).cover(token_span(for_loop.do_token()));
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
                let span = token_span(for_loop.for_token()).cover(token_span(for_loop.do_token()));
                let names: Vec<&TokenReference> = for_loop.names().iter().collect();
                self.loop_body(span, kind, &names, |this| this.block(for_loop.block()));
            }
            Stmt::Goto(_) | Stmt::Label(_) => {}
            _ => {}
        }
    }

    /// Records a statement from `first` to `last` whose body may not run on every call.
    fn conditional_block(&mut self, first: &TokenReference, last: &TokenReference) {
        let span = token_span(first).cover(token_span(last));
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
        vars: &[&TokenReference],
        body: impl FnOnce(&mut Self),
    ) {
        let id = self.ir.loops.len() as LoopId;
        self.ir.loops.push(Loop {
            span,
            func: self.current_func(),
            kind,
            vars: Vec::new(),
        });
        self.scopes.push(HashMap::new());
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
        self.scopes.pop();
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

    fn assignment(&mut self, assign: &ast::Assignment, tags: &'d [DocTag]) {
        self.expect_function_docs(assign.expressions().iter().next(), tags);
        let values = self.expr_list(assign.expressions().iter());
        for (i, var) in assign.variables().iter().enumerate() {
            let target = self.var(var, true);
            let (value, value_span) = values
                .get(i)
                .cloned()
                .unwrap_or((Value::Nil, node_span(var)));
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
                span: node_span(var),
                value_span,
                func: self.current_func(),
                target,
                value,
                loops: self.current_loops(),
                annotation,
            });
        }
    }

    fn function_declaration(&mut self, decl: &ast::FunctionDeclaration, tags: &'d [DocTag]) {
        let name = decl.name();
        let parts: Vec<&TokenReference> = name.names().iter().collect();
        let Some(first) = parts.first() else { return };
        let mut target = self.name_value(first, parts.len() == 1 && name.method_name().is_none());
        let owner = target.clone();
        for part in &parts[1..] {
            target = target.index(&name_of(part));
        }
        let method = name.method_name();
        if let Some(method) = method {
            target = target.index(&name_of(method));
        }
        let mut display: Vec<String> = parts.iter().map(|p| name_of(p)).collect();
        if let Some(method) = method {
            let last = display.pop().unwrap_or_default();
            display.push(format!("{last}:{}", name_of(method)));
        }
        let head = node_span(name);
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
        body: &ast::FunctionBody,
        name: String,
        head_span: Span,
        is_method: bool,
        tags: &[DocTag],
    ) -> FuncId {
        let id = self.ir.functions.len() as FuncId;
        let span = head_span.cover(node_span(body));
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
        self.scopes.push(HashMap::new());
        let mut params = Vec::new();
        if is_method {
            let self_token = TokenReference::new(
                Vec::new(),
                full_moon::tokenizer::Token::new(TokenType::Identifier {
                    identifier: "self".into(),
                }),
                Vec::new(),
            );
            params.push(self.declare(&self_token, BindingKind::Param, None));
            self.ir.bindings.last_mut().expect("self").span = head_span;
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
        self.scopes.pop();
        self.func_stack.pop();
        id
    }

    fn expr_list<'a>(&mut self, exprs: impl Iterator<Item = &'a Expression>) -> Vec<(Value, Span)> {
        exprs.map(|e| (self.expr(e), node_span(e))).collect()
    }

    fn expr(&mut self, expr: &Expression) -> Value {
        match expr {
            Expression::BinaryOperator { lhs, binop, rhs } => {
                let left = self.expr(lhs);
                let right = self.expr(rhs);
                match binop {
                    ast::BinOp::Or(_) => Value::Either(Box::new(left), Box::new(right)),
                    // `a and b` is `b`, or a falsy `a` (nil or false): never an object `a`.
                    ast::BinOp::And(_) => Value::Either(Box::new(right), Box::new(Value::Nil)),
                    _ => Value::Scalar(vec![left, right]),
                }
            }
            Expression::Parentheses { expression, .. } => {
                let value = self.expr(expression);
                // `(f())` truncates to one value; it is still that value.
                value
            }
            Expression::UnaryOperator { unop, expression } => {
                let value = self.expr(expression);
                match unop {
                    ast::UnOp::Hash(_) => Value::Length(Box::new(value)),
                    _ => Value::Scalar(vec![value]),
                }
            }
            Expression::Function(anonymous) => {
                let head = token_span(anonymous.function_token());
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
            Expression::Number(token) => Value::Number(token.token().to_string()),
            Expression::String(token) => Value::Str(string_literal(token)),
            Expression::Symbol(token) => match token.token().to_string().as_str() {
                "nil" => Value::Nil,
                "true" | "false" => Value::Bool,
                "..." => Value::Vararg,
                _ => Value::Unknown,
            },
            Expression::Var(var) => self.var(var, false),
            _ => Value::Unknown,
        }
    }

    fn table(&mut self, table: &ast::TableConstructor) -> Value {
        let mut fields = Vec::new();
        for field in table.fields().iter() {
            let span = node_span(field);
            match field {
                ast::Field::NameKey { key, value, .. } => {
                    let value = self.expr(value);
                    fields.push(TableField {
                        key: Some(Key::Name(name_of(key))),
                        value,
                        span,
                    });
                }
                ast::Field::ExpressionKey { key, value, .. } => {
                    let key = match self.expr(key) {
                        Value::Str(s) => Key::Name(s),
                        other => Key::Dynamic(Box::new(other)),
                    };
                    let value = self.expr(value);
                    fields.push(TableField {
                        key: Some(key),
                        value,
                        span,
                    });
                }
                ast::Field::NoKey(value) => {
                    let value = self.expr(value);
                    fields.push(TableField {
                        key: None,
                        value,
                        span,
                    });
                }
                _ => {}
            }
        }
        Value::Table(fields)
    }

    fn var(&mut self, var: &ast::Var, write: bool) -> Value {
        match var {
            ast::Var::Name(token) => {
                let value = self.name_value(token, write);
                if !write {
                    self.record_outer_read(&value, token_span(token));
                }
                value
            }
            ast::Var::Expression(var_expr) => {
                let base = self.prefix(var_expr.prefix());
                let start = node_span(var_expr.prefix());
                self.suffixes(base, start, var_expr.suffixes(), !write)
            }
            _ => Value::Unknown,
        }
    }

    fn prefix(&mut self, prefix: &ast::Prefix) -> Value {
        match prefix {
            ast::Prefix::Name(token) => self.name_value(token, false),
            ast::Prefix::Expression(expr) => self.expr(expr),
            _ => Value::Unknown,
        }
    }

    fn function_call(&mut self, call: &ast::FunctionCall) -> Value {
        let base = self.prefix(call.prefix());
        self.suffixes(base, node_span(call.prefix()), call.suffixes(), false)
    }

    /// Applies `.x`, `[k]`, `(args)`, `:m(args)` in order. `start` is where the chain begins.
    /// The place a call is made on is a read; so is the whole chain when `read` (not an
    /// assignment target).
    fn suffixes<'a>(
        &mut self,
        mut value: Value,
        start: Span,
        suffixes: impl Iterator<Item = &'a ast::Suffix>,
        read: bool,
    ) -> Value {
        let mut chain_span = start;
        let mut place = true;
        for suffix in suffixes {
            let suffix_span = node_span(suffix);
            if place && matches!(suffix, ast::Suffix::Call(_)) {
                self.record_outer_read(&value, chain_span);
                place = false;
            }
            match suffix {
                ast::Suffix::Index(ast::Index::Dot { name, .. }) => {
                    value = value.index(&name_of(name));
                }
                ast::Suffix::Index(ast::Index::Brackets { expression, .. }) => {
                    let key = match self.expr(expression) {
                        Value::Str(s) => Key::Name(s),
                        other => Key::Dynamic(Box::new(other)),
                    };
                    value = Value::Index(Box::new(value), key);
                }
                ast::Suffix::Call(ast::Call::AnonymousCall(args)) => {
                    let callee_span = chain_span;
                    value =
                        self.record_call(value, callee_span, suffix_span, false, Vec::new(), args);
                }
                ast::Suffix::Call(ast::Call::MethodCall(method)) => {
                    let callee = value.clone().index(&name_of(method.name()));
                    let callee_span = chain_span.cover(token_span(method.name()));
                    let receiver = (value, chain_span);
                    value = self.record_call(
                        callee,
                        callee_span,
                        suffix_span,
                        true,
                        vec![receiver],
                        method.args(),
                    );
                }
                _ => value = Value::Unknown,
            }
            chain_span = chain_span.cover(suffix_span);
        }
        if place && read {
            self.record_outer_read(&value, chain_span);
        }
        value
    }

    fn record_call(
        &mut self,
        callee: Value,
        callee_span: Span,
        args_span: Span,
        is_method: bool,
        mut args: Vec<(Value, Span)>,
        call_args: &ast::FunctionArgs,
    ) -> Value {
        match call_args {
            ast::FunctionArgs::Parentheses { arguments, .. } => {
                args.extend(self.expr_list(arguments.iter()))
            }
            ast::FunctionArgs::String(token) => {
                args.push((Value::Str(string_literal(token)), token_span(token)))
            }
            ast::FunctionArgs::TableConstructor(table) => {
                let value = self.table(table);
                args.push((value, node_span(table.as_ref())));
            }
            _ => {}
        }
        let id = self.ir.calls.len() as CallId;
        let (args, arg_spans) = args.into_iter().unzip();
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

/// The contents of a string literal token, with the common escapes decoded.
fn string_literal(token: &TokenReference) -> String {
    match token.token().token_type() {
        TokenType::StringLiteral {
            literal,
            multi_line_depth,
            ..
        } => {
            if *multi_line_depth > 0 || !literal.contains('\\') {
                literal.to_string()
            } else {
                decode_escapes(literal)
            }
        }
        _ => String::new(),
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
        lower(&parsed.ast, text, &parsed.comments)
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

    #[test]
    fn requires_are_listed() {
        let ir = lower_text("local m = require('scripts.players')\nrequire \"util\"");
        let paths: Vec<&str> = ir.requires().map(|(p, _)| p).collect();
        assert_eq!(paths, vec!["scripts.players", "util"]);
    }
}
