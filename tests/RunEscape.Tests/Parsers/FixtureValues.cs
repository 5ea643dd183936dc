using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// One comparison of an expected fixture value (JSON) with a record's property value, shared by
/// every parser family's fixture tests.
/// </summary>
internal static class FixtureValues
{
    internal const double Tolerance = 1e-9;

    /// <param name="nested">Compares a list item that is itself a record (null: such items fail).</param>
    internal static void AssertValue(JsonElement e, object? value, string label, Action<JsonElement, object, string>? nested = null)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            Assert.True(value is null, $"{label}: expected null, got '{value}'");
            return;
        }

        Assert.True(value is not null, $"{label}: expected {e}, got null");
        switch (value)
        {
            case int i:
                Assert.True(e.GetInt32() == i, $"{label}: expected {e}, got {i}");
                break;
            case long l:
                Assert.True(e.GetInt64() == l, $"{label}: expected {e}, got {l}");
                break;
            case double d:
                Assert.True(Math.Abs(e.GetDouble() - d) < Tolerance, $"{label}: expected {e}, got {d.ToString(CultureInfo.InvariantCulture)}");
                break;
            case bool b:
                Assert.True(e.GetBoolean() == b, $"{label}: expected {e}, got {b}");
                break;
            case string s:
                Assert.True(e.GetString() == s, $"{label}: expected '{e.GetString()}', got '{s}'");
                break;
            case TimeSpan t:
                var et = TimeSpan.Parse(e.GetString()!, CultureInfo.InvariantCulture);
                Assert.True(et == t, $"{label}: expected {et}, got {t}");
                break;
            case DateTimeOffset dto:
                var edto = DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture);
                Assert.True(edto == dto && edto.Offset == dto.Offset, $"{label}: expected {edto:o}, got {dto:o}");
                break;
            case DateTime dt:
                var edt = DateTime.Parse(e.GetString()!, CultureInfo.InvariantCulture);
                Assert.True(edt == dt, $"{label}: expected {edt:o}, got {dt:o}");
                break;
            case IReadOnlyDictionary<string, long> map:
                foreach (var kv in e.EnumerateObject())
                {
                    Assert.True(map.TryGetValue(kv.Name, out var v), $"{label}: no entry {kv.Name}");
                    Assert.True(kv.Value.GetInt64() == v, $"{label}[{kv.Name}]: expected {kv.Value}, got {v}");
                }

                break;
            case IEnumerable list when nested is not null:
                var items = list.Cast<object>().ToList();
                var expectedItems = e.EnumerateArray().ToList();
                Assert.True(expectedItems.Count == items.Count, $"{label}: expected {expectedItems.Count} items, got {items.Count}");
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is string s2)
                    {
                        Assert.True(expectedItems[i].GetString() == s2, $"{label}[{i}]: expected '{expectedItems[i]}', got '{s2}'");
                    }
                    else
                    {
                        nested(expectedItems[i], items[i], $"{label}[{i}]");
                    }
                }

                break;
            default:
                Assert.Fail($"{label}: no comparison for {value.GetType().Name}");
                break;
        }
    }
}
