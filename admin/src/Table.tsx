import type { ReactNode } from "react";

/** A column heading; `narrowHidden` columns are left out at tablet widths (see styles.css). */
export type Column = string | { label: string; narrowHidden: true };

/**
 * A data table with its headings, inside a box that scrolls sideways if the table still does not
 * fit, so that the page itself never does. `children` are the body's rows.
 */
export function Table({ columns, testId, children }: { columns: Column[]; testId?: string; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === "string" ? (
                <th key={c} scope="col">
                  {c}
                </th>
              ) : (
                <th key={c.label} scope="col" className="wide-only">
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
