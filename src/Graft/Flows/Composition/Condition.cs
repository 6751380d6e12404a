using static TorchSharp.torch;

namespace Graft.Flows.Composition;

/// <summary>
/// A per-sample truth value decided where it can be: <see cref="True"/> where it holds, <see cref="False"/> where it
/// does not, neither where it cannot be decided (a missing label, or a task that does not apply to the sample).
/// </summary>
/// <param name="True">Samples where the condition holds (<c>bool [B]</c>).</param>
/// <param name="False">Samples where it does not hold (<c>bool [B]</c>).</param>
public readonly record struct Truth(Tensor True, Tensor False);

/// <summary>
/// A precondition over tasks of a flow: a task reference (<c>o["door_open"]</c>), a negation (<c>~c</c>) or a
/// conjunction (<c>a &amp; b</c>). A reference to task B holds where B applies (its own preconditions hold) and B's
/// answer is yes; it fails where B applies and the answer is no; elsewhere it is undecided, and so are negations of it.
/// A task under a precondition learns only from samples where the precondition holds.
/// </summary>
public abstract class Condition
{
    private protected Condition()
    {
    }

    /// <summary>The tasks the condition reads, by path.</summary>
    public abstract IEnumerable<string> Tasks { get; }

    /// <summary>Negation.</summary>
    public static Condition operator ~(Condition c) => new NotCondition(c);

    /// <summary>Conjunction.</summary>
    public static Condition operator &(Condition a, Condition b) => new AndCondition(a, b);

    /// <summary>Evaluates the condition; <paramref name="reference"/> gives the truth of "task B says yes" for each referenced task path.</summary>
    public abstract Truth Evaluate(Func<string, Truth> reference);

    /// <summary>The condition as written, e.g. <c>~camera_blocked &amp; door_open</c>.</summary>
    public abstract override string ToString();
}

/// <summary>"Task B says yes" (<c>o["B"]</c>).</summary>
public sealed class TaskCondition : Condition
{
    internal TaskCondition(FlowNode node) => Node = node;

    /// <summary>The referenced task.</summary>
    public FlowNode Node { get; }

    /// <summary>The referenced task's path.</summary>
    public string Path => Node.Path;

    /// <inheritdoc />
    public override IEnumerable<string> Tasks => new[] { Path };

    /// <inheritdoc />
    public override Truth Evaluate(Func<string, Truth> reference) => reference(Path);

    /// <inheritdoc />
    public override string ToString() => Path;
}

/// <summary>Negation (<c>~c</c>): undecided stays undecided.</summary>
public sealed class NotCondition : Condition
{
    internal NotCondition(Condition inner) => Inner = inner;

    /// <summary>The negated condition.</summary>
    public Condition Inner { get; }

    /// <inheritdoc />
    public override IEnumerable<string> Tasks => Inner.Tasks;

    /// <inheritdoc />
    public override Truth Evaluate(Func<string, Truth> reference)
    {
        var t = Inner.Evaluate(reference);
        return new Truth(t.False, t.True);
    }

    /// <inheritdoc />
    public override string ToString() => "~" + (Inner is AndCondition ? "(" + Inner + ")" : Inner.ToString());
}

/// <summary>Conjunction (<c>a &amp; b</c>): holds where both hold, fails where either fails.</summary>
public sealed class AndCondition : Condition
{
    internal AndCondition(Condition left, Condition right) => (Left, Right) = (left, right);

    /// <summary>The left operand.</summary>
    public Condition Left { get; }

    /// <summary>The right operand.</summary>
    public Condition Right { get; }

    /// <inheritdoc />
    public override IEnumerable<string> Tasks => Left.Tasks.Concat(Right.Tasks);

    /// <inheritdoc />
    public override Truth Evaluate(Func<string, Truth> reference)
    {
        var a = Left.Evaluate(reference);
        var b = Right.Evaluate(reference);
        return new Truth(a.True.logical_and(b.True), a.False.logical_or(b.False));
    }

    /// <inheritdoc />
    public override string ToString() => Left + " & " + Right;
}
