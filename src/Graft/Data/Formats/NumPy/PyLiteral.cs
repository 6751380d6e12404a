using System.Globalization;
using System.Text;

namespace Graft.Data.Formats.NumPy;

/// <summary>A Python tuple literal, e.g. <c>(2, 3)</c>.</summary>
internal sealed record PyTuple(IReadOnlyList<object?> Items);

/// <summary>A Python list literal, e.g. <c>[('a', '&lt;f4')]</c>.</summary>
internal sealed record PyList(IReadOnlyList<object?> Items);

/// <summary>One key of a Python dict literal, with the character positions of the key and of its value.</summary>
internal sealed record PyDictEntry(string Key, object? Value, int KeyPosition, int ValuePosition);

/// <summary>A Python dict literal with string keys, in source order.</summary>
internal sealed record PyDict(IReadOnlyList<PyDictEntry> Entries);

/// <summary>A syntax error in a Python literal, at a character position of the text.</summary>
internal sealed class PyLiteralException(int position, string message) : Exception(message)
{
    /// <summary>The character position of the error.</summary>
    public int Position { get; } = position;
}

/// <summary>
/// A small, strict parser for the Python literals found in <c>.npy</c> headers: dicts with string keys, tuples, lists,
/// strings, integers, <c>True</c>, <c>False</c> and <c>None</c>. Nothing is evaluated. Values are returned as
/// <see cref="PyDict"/>, <see cref="PyTuple"/>, <see cref="PyList"/>, <see cref="string"/>, <see cref="long"/>,
/// <see cref="bool"/> or null (for <c>None</c>).
/// </summary>
internal sealed class PyLiteral
{
    private const int MaxDepth = 32;
    private readonly string _text;
    private int _pos;

    private PyLiteral(string text) => _text = text;

    /// <summary>Parses <paramref name="text"/>, which must hold exactly one literal (surrounding whitespace allowed).</summary>
    public static object? Parse(string text)
    {
        var parser = new PyLiteral(text);
        parser.SkipSpace();
        var value = parser.ParseValue(0);
        parser.SkipSpace();
        if (parser._pos < text.Length)
            throw new PyLiteralException(parser._pos, $"unexpected {Describe(text[parser._pos])} after the end of the literal");
        return value;
    }

    /// <summary>A readable name for a literal value's type.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        string => "a string",
        long => "an integer",
        bool => "a boolean",
        PyTuple => "a tuple",
        PyList => "a list",
        PyDict => "a dict",
        _ => value.GetType().Name,
    };

    private object? ParseValue(int depth)
    {
        if (depth > MaxDepth) throw new PyLiteralException(_pos, $"literal nested deeper than {MaxDepth} levels");
        if (_pos >= _text.Length) throw new PyLiteralException(_pos, "unexpected end of text; expected a value");
        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return ParseDict(depth);
            case '(':
                return ParseSequence(depth, ')', items => new PyTuple(items));
            case '[':
                return ParseSequence(depth, ']', items => new PyList(items));
            case '\'':
            case '"':
                return ParseString();
        }

        if (c == '-' || c == '+' || char.IsAsciiDigit(c)) return ParseInteger();
        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            var word = _text[start.._pos];
            return word switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ => throw new PyLiteralException(start, $"unexpected name '{word}'; only True, False and None are allowed"),
            };
        }

        throw new PyLiteralException(_pos, $"unexpected {Describe(c)}; expected a value");
    }

    private PyDict ParseDict(int depth)
    {
        _pos++; // '{'
        var entries = new List<PyDictEntry>();
        while (true)
        {
            SkipSpace();
            if (Peek() == '}') { _pos++; return new PyDict(entries); }
            int keyPos = _pos;
            if (Peek() is not ('\'' or '"'))
                throw new PyLiteralException(_pos, _pos >= _text.Length ? "unexpected end of text inside a dict" : $"unexpected {Describe(_text[_pos])}; expected a quoted key or '}}'");
            var key = ParseString();
            if (entries.Any(e => e.Key == key)) throw new PyLiteralException(keyPos, $"key '{key}' appears twice");
            SkipSpace();
            Expect(':', "after a dict key");
            SkipSpace();
            int valuePos = _pos;
            var value = ParseValue(depth + 1);
            entries.Add(new PyDictEntry(key, value, keyPos, valuePos));
            SkipSpace();
            if (Peek() == ',') { _pos++; continue; }
            if (Peek() == '}') { _pos++; return new PyDict(entries); }
            throw new PyLiteralException(_pos, _pos >= _text.Length ? "unexpected end of text inside a dict; expected ',' or '}'" : $"unexpected {Describe(_text[_pos])}; expected ',' or '}}'");
        }
    }

    private object? ParseSequence(int depth, char close, Func<IReadOnlyList<object?>, object> make)
    {
        _pos++; // '(' or '['
        var items = new List<object?>();
        bool sawComma = false;
        while (true)
        {
            SkipSpace();
            if (Peek() == close)
            {
                _pos++;
                // "(3)" is the number 3 in Python, not a tuple; a one-element tuple needs its comma.
                if (close == ')' && items.Count == 1 && !sawComma)
                    return items[0];
                return make(items);
            }

            items.Add(ParseValue(depth + 1));
            SkipSpace();
            if (Peek() == ',') { _pos++; sawComma = true; continue; }
            if (Peek() == close) continue;
            throw new PyLiteralException(_pos, _pos >= _text.Length ? $"unexpected end of text; expected ',' or '{close}'" : $"unexpected {Describe(_text[_pos])}; expected ',' or '{close}'");
        }
    }

    private string ParseString()
    {
        char quote = _text[_pos];
        int start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n') throw new PyLiteralException(start, "unterminated string");
            char c = _text[_pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _text.Length) throw new PyLiteralException(start, "unterminated string");
            char e = _text[_pos++];
            sb.Append(e switch
            {
                '\\' => '\\',
                '\'' => '\'',
                '"' => '"',
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                _ => throw new PyLiteralException(_pos - 2, $"unsupported escape '\\{e}' in a string"),
            });
        }
    }

    private long ParseInteger()
    {
        int start = _pos;
        if (_text[_pos] is '-' or '+') _pos++;
        int digits = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos == digits) throw new PyLiteralException(start, "expected digits after the sign");
        var span = _text.AsSpan(start, _pos - start);
        // Files written by Python 2 mark long integers with a trailing 'L'.
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++;
        if (_pos < _text.Length && (_text[_pos] is '.' or 'e' or 'E' or 'j' or 'x' or 'X' || char.IsAsciiLetterOrDigit(_text[_pos])))
            throw new PyLiteralException(start, "expected an integer (floats and other numbers are not allowed here)");
        if (!long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new PyLiteralException(start, $"integer {span.ToString()} is out of the 64-bit range");
        return value;
    }

    private void Expect(char c, string context)
    {
        if (Peek() != c)
            throw new PyLiteralException(_pos, _pos >= _text.Length ? $"unexpected end of text; expected '{c}' {context}" : $"unexpected {Describe(_text[_pos])}; expected '{c}' {context}");
        _pos++;
    }

    private char? Peek() => _pos < _text.Length ? _text[_pos] : null;

    private void SkipSpace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
    }

    private static string Describe(char c) => c < ' ' || c > '~' ? $"character U+{(int)c:X4}" : $"'{c}'";
}
