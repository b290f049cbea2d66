import type { ColumnType } from "kysely";

/** A creation time the database sets: read as a Date, never written. */
export type CreatedAt = ColumnType<Date, Date | undefined, never>;
/** A time column: read as a Date, written as a Date or an SQL timestamp string. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
