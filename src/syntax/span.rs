//! Byte spans of syntax nodes in time linear in the nesting depth (full_moon's own `Node::range`
//! is exponential in it).

use crate::source::Span;
use full_moon::ast::{self, span::ContainedSpan};
use full_moon::node::Node;
use full_moon::tokenizer::TokenReference;

/// The byte span of a syntax node, from its first token to its last, in time proportional to
/// the nesting depth.
///
/// full_moon 3's derived `Node::range` computes both ends of every child to find either end of
/// a node, which is exponential in the nesting depth (`a[b[c[d[e[f[g[h[1]]]]]]]]` took 14 s).
/// Its token stream is no shortcut for the end either: a bracket pair comes before what it
/// encloses. So the end is found by following the last child of each known node type.
pub trait NodeSpan: Node {
    /// The end of the last token, when this node type knows it cheaply.
    fn end(&self) -> Option<usize>;

    /// The start of the first token, when this node type knows it cheaply: full_moon's token
    /// stream finds it too, but builds an iterator at every level on the way down (a few
    /// percent of a whole run, spans being asked of most nodes).
    fn start(&self) -> Option<usize> {
        None
    }

    /// Where the first token starts (`None` for a node without tokens).
    fn first_byte(&self) -> Option<usize> {
        // The token stream does start with the first token in the source.
        self.start()
            .or_else(|| self.tokens().next().map(token_start))
    }

    fn span(&self) -> Span {
        let Some(start) = self.first_byte() else {
            return Span::default();
        };
        let end = self.end().unwrap_or_else(|| {
            // Any other node: the largest end of all its tokens (linear in its size).
            self.tokens().rev().map(token_end).max().unwrap_or(start)
        });
        Span::new(start, end)
    }
}

pub(super) fn token_end(token: &TokenReference) -> usize {
    token.token().end_position().bytes()
}

pub(super) fn token_start(token: &TokenReference) -> usize {
    token.token().start_position().bytes()
}

pub(super) fn closing(span: &ContainedSpan) -> Option<usize> {
    Some(token_end(span.tokens().1))
}

pub(super) fn opening(span: &ContainedSpan) -> Option<usize> {
    Some(token_start(span.tokens().0))
}

impl NodeSpan for ast::Expression {
    fn end(&self) -> Option<usize> {
        use ast::Expression::*;
        match self {
            BinaryOperator { rhs, .. } => rhs.end(),
            UnaryOperator { expression, .. } => expression.end(),
            Parentheses { contained, .. } => closing(contained),
            Function(function) => Some(token_end(function.body().end_token())),
            FunctionCall(call) => call.suffixes().last().and_then(NodeSpan::end),
            TableConstructor(table) => table.end(),
            Number(token) | String(token) | Symbol(token) => Some(token_end(token)),
            Var(var) => var.end(),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        use ast::Expression::*;
        match self {
            BinaryOperator { lhs, .. } => lhs.start(),
            UnaryOperator { unop, .. } => Some(token_start(unop.token())),
            Parentheses { contained, .. } => opening(contained),
            Function(function) => Some(token_start(function.function_token())),
            FunctionCall(call) => call.prefix().start(),
            TableConstructor(table) => table.start(),
            Number(token) | String(token) | Symbol(token) => Some(token_start(token)),
            Var(var) => var.start(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Var {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Var::Name(token) => Some(token_end(token)),
            ast::Var::Expression(var) => match var.suffixes().last() {
                Some(suffix) => suffix.end(),
                None => var.prefix().end(),
            },
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::Var::Name(token) => Some(token_start(token)),
            ast::Var::Expression(var) => var.prefix().start(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Prefix {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Prefix::Name(token) => Some(token_end(token)),
            ast::Prefix::Expression(expression) => expression.end(),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::Prefix::Name(token) => Some(token_start(token)),
            ast::Prefix::Expression(expression) => expression.start(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Suffix {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Suffix::Index(ast::Index::Dot { name, .. }) => Some(token_end(name)),
            ast::Suffix::Index(ast::Index::Brackets { brackets, .. }) => closing(brackets),
            ast::Suffix::Call(ast::Call::AnonymousCall(args)) => args.end(),
            ast::Suffix::Call(ast::Call::MethodCall(method)) => method.args().end(),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::Suffix::Index(ast::Index::Dot { dot, .. }) => Some(token_start(dot)),
            ast::Suffix::Index(ast::Index::Brackets { brackets, .. }) => opening(brackets),
            ast::Suffix::Call(ast::Call::AnonymousCall(args)) => args.start(),
            ast::Suffix::Call(ast::Call::MethodCall(method)) => {
                Some(token_start(method.colon_token()))
            }
            _ => None,
        }
    }
}

impl NodeSpan for ast::FunctionArgs {
    fn end(&self) -> Option<usize> {
        match self {
            ast::FunctionArgs::Parentheses { parentheses, .. } => closing(parentheses),
            ast::FunctionArgs::String(token) => Some(token_end(token)),
            ast::FunctionArgs::TableConstructor(table) => table.end(),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::FunctionArgs::Parentheses { parentheses, .. } => opening(parentheses),
            ast::FunctionArgs::String(token) => Some(token_start(token)),
            ast::FunctionArgs::TableConstructor(table) => table.start(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::TableConstructor {
    fn end(&self) -> Option<usize> {
        closing(self.braces())
    }

    fn start(&self) -> Option<usize> {
        opening(self.braces())
    }
}

impl NodeSpan for ast::Field {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Field::NameKey { value, .. } | ast::Field::ExpressionKey { value, .. } => {
                value.end()
            }
            ast::Field::NoKey(value) => value.end(),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::Field::ExpressionKey { brackets, .. } => opening(brackets),
            ast::Field::NameKey { key, .. } => Some(token_start(key)),
            ast::Field::NoKey(value) => value.start(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::FunctionBody {
    fn end(&self) -> Option<usize> {
        Some(token_end(self.end_token()))
    }

    fn start(&self) -> Option<usize> {
        // Lua 5.2 has no generics before the parameters: the body starts at their `(`.
        opening(self.parameters_parentheses())
    }
}

impl NodeSpan for ast::FunctionName {
    fn end(&self) -> Option<usize> {
        let last = self.method_name().or_else(|| self.names().iter().last())?;
        Some(token_end(last))
    }

    fn start(&self) -> Option<usize> {
        self.names().iter().next().map(token_start)
    }
}

impl NodeSpan for ast::LastStmt {
    fn end(&self) -> Option<usize> {
        match self {
            ast::LastStmt::Return(ret) => match ret.returns().iter().last() {
                Some(value) => value.end(),
                None => Some(token_end(ret.token())),
            },
            ast::LastStmt::Break(token) => Some(token_end(token)),
            _ => None,
        }
    }

    fn start(&self) -> Option<usize> {
        match self {
            ast::LastStmt::Return(ret) => Some(token_start(ret.token())),
            ast::LastStmt::Break(token) => Some(token_start(token)),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Stmt {
    fn end(&self) -> Option<usize> {
        use ast::Stmt::*;
        let token = match self {
            Assignment(assignment) => return assignment.expressions().iter().last()?.end(),
            FunctionCall(call) => return call.suffixes().last()?.end(),
            LocalAssignment(local) => {
                return match local.expressions().iter().last() {
                    Some(value) => value.end(),
                    None if local.equal_token().is_none() => {
                        local.names().iter().last().map(token_end)
                    }
                    None => None,
                };
            }
            Repeat(repeat) => return repeat.until().end(),
            Do(block) => block.end_token(),
            FunctionDeclaration(declaration) => declaration.body().end_token(),
            GenericFor(generic) => generic.end_token(),
            If(branch) => branch.end_token(),
            LocalFunction(local) => local.body().end_token(),
            NumericFor(numeric) => numeric.end_token(),
            While(loop_) => loop_.end_token(),
            Goto(goto) => goto.label_name(),
            Label(label) => label.right_colons(),
            _ => return None,
        };
        Some(token_end(token))
    }

    fn start(&self) -> Option<usize> {
        use ast::Stmt::*;
        let token = match self {
            Assignment(assignment) => return assignment.variables().iter().next()?.start(),
            FunctionCall(call) => return call.prefix().start(),
            Do(block) => block.do_token(),
            FunctionDeclaration(declaration) => declaration.function_token(),
            GenericFor(generic) => generic.for_token(),
            If(branch) => branch.if_token(),
            LocalAssignment(local) => local.local_token(),
            LocalFunction(local) => local.local_token(),
            NumericFor(numeric) => numeric.for_token(),
            Repeat(repeat) => repeat.repeat_token(),
            While(loop_) => loop_.while_token(),
            Goto(goto) => goto.goto_token(),
            Label(label) => label.left_colons(),
            _ => return None,
        };
        Some(token_start(token))
    }
}
