/**
 * The tags of the compact tree format native/ast_codec.zig describes (its `Tag`), for the
 * TypeScript reader (src/ast/_decode_native.ts) and writer (src/ast/_codec_writer.ts). Private to
 * src/ast.
 *
 * @module
 */

export const NONE = 0, TRUE = 1, FALSE = 2, INT = 3, BIG_INT = 4, FLOAT = 5, STRING = 6, STRING_SEEN = 7;
export const BYTES = 8, LIST = 9, NODE = 10, MISSING = 11, COMPLEX = 12, ELLIPSIS = 13, TUPLE = 14;
export const FROZENSET = 15, IDENTIFIER = 16, ORIGINAL = 17, LOCATION = 18;
