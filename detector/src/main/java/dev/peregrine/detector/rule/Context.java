package dev.peregrine.detector.rule;

/**
 * Where a message points: file, 1-based line and column, and the item (e.g. {@code rule 'Foo'}).
 * Line 0 means the position is unknown (a whole-file problem).
 */
public record Context(String file, int line, int column, String itemType, String itemName) {
    public static Context ofFile(String file) {
        return new Context(file, 0, 0, "", "");
    }

    public Context at(int line, int column) {
        return new Context(file, line, column, itemType, itemName);
    }

    public Context item(String type, String name) {
        return new Context(file, line, column, type, name == null ? "" : name);
    }

    /** {@code rule 'Name'}, {@code macro 'name'}, ... or empty for file-level messages. */
    public String item() {
        if (itemType.isEmpty()) return "";
        return itemName.isEmpty() ? itemType : itemType + " '" + itemName + "'";
    }
}
