using Graft.Text;

namespace Graft.Tests.Text;

public class SuggestionsTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("f1", "f1", 0)]
    public void Edit_distance_counts_single_character_edits(string a, string b, int expected) =>
        Assert.Equal(expected, Suggestions.EditDistance(a, b));

    [Fact]
    public void A_near_miss_is_suggested_and_a_far_one_is_not()
    {
        Assert.Equal(" Did you mean 'epochs'?", Suggestions.DidYouMean("epoch", new[] { "batch_size", "epochs" }));
        Assert.Equal("", Suggestions.DidYouMean("zzzzzzzz", new[] { "batch_size", "epochs" }));
    }
}
