namespace Graft.Flows.Composition;

/// <summary>A parsed precondition expression: a task name, a negation or a conjunction.</summary>
public abstract record ConditionExpression
{
    /// <summary>A task name.</summary>
    /// <param name="Name">The task.</param>
    public sealed record Task(string Name) : ConditionExpression;

    /// <summary><c>~inner</c>.</summary>
    /// <param name="Inner">The negated expression.</param>
    public sealed record Not(ConditionExpression Inner) : ConditionExpression;

    /// <summary><c>left &amp; right</c>.</summary>
    /// <param name="Left">The left operand.</param>
    /// <param name="Right">The right operand.</param>
    public sealed record And(ConditionExpression Left, ConditionExpression Right) : ConditionExpression;

    /// <summary>The condition over the outputs <paramref name="o"/> of the flow being built.</summary>
    public Condition Resolve(FlowOutputs o) => this switch
    {
        Task t => o[t.Name],
        Not n => ~n.Inner.Resolve(o),
        And a => a.Left.Resolve(o) & a.Right.Resolve(o),
        _ => throw new InvalidOperationException(),
    };
}

/// <summary>
/// One line of a flow as text, as run files write it: <c>door_open(features) | ~camera_blocked</c> — a task or flow
/// called on an input, then any number of <c>| precondition</c>, where a precondition is built from task names,
/// <c>~</c>, <c>&amp;</c> and parentheses.
/// </summary>
/// <param name="Callee">The task or flow called.</param>
/// <param name="Input">The input it reads.</param>
/// <param name="Preconditions">Its preconditions (all must hold).</param>
public sealed record FlowExpression(string Callee, string Input, IReadOnlyList<ConditionExpression> Preconditions)
{
    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FlowExpressionException">The text is not a flow expression; the exception names the column.</exception>
    public static FlowExpression Parse(string text) => new Parser(text).Statement();

    /// <summary>Adds the expression's node to <paramref name="o"/>: <c>o += f[callee](x[input]) | ...</c>.</summary>
    public FlowOutputs AddTo(FlowTasks f, FlowInputs x, FlowOutputs o)
    {
        var node = f[Callee](x[Input]);
        foreach (var p in Preconditions) node = node | p.Resolve(o);
        return o + node;
    }

    private sealed class Parser
    {
        private readonly string _text;
        private int _pos;

        public Parser(string text) => _text = text;

        public FlowExpression Statement()
        {
            var callee = Name("a task or flow name");
            Expect('(');
            var input = Name("an input name");
            Expect(')');
            var preconditions = new List<ConditionExpression>();
            while (Peek() == '|')
            {
                _pos++;
                preconditions.Add(Conjunction());
            }

            if (Peek() is { } c) throw Error($"unexpected '{c}'; after the call only '| precondition' may follow");
            return new FlowExpression(callee, input, preconditions);
        }

        private ConditionExpression Conjunction()
        {
            var left = Unary();
            while (Peek() == '&')
            {
                _pos++;
                left = new ConditionExpression.And(left, Unary());
            }

            return left;
        }

        private ConditionExpression Unary()
        {
            switch (Peek())
            {
                case '~':
                    _pos++;
                    return new ConditionExpression.Not(Unary());
                case '(':
                    _pos++;
                    var inner = Conjunction();
                    Expect(')');
                    return inner;
                default:
                    return new ConditionExpression.Task(Name("a task name, '~' or '('"));
            }
        }

        private string Name(string what)
        {
            SkipSpace();
            int start = _pos;
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            if (_pos == start || char.IsDigit(_text[start])) throw Error($"expected {what}" + (_pos < _text.Length ? $", found '{_text[_pos]}'" : ", found the end"));
            return _text[start.._pos];
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Error($"expected '{c}'" + (Peek() is { } f ? $", found '{f}'" : ", found the end"));
            _pos++;
        }

        private char? Peek()
        {
            SkipSpace();
            return _pos < _text.Length ? _text[_pos] : null;
        }

        private void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
        }

        private FlowExpressionException Error(string message) =>
            new(_pos + 1, $"{message} (column {_pos + 1} of '{_text}'). A flow line reads like: door_open(features) | ~camera_blocked & person_present");
    }
}

/// <summary>A flow expression that does not parse, with the column of the mistake (1-based).</summary>
public sealed class FlowExpressionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FlowExpressionException(int column, string message) : base(message) => Column = column;

    /// <summary>The column of the mistake, 1-based.</summary>
    public int Column { get; }
}
