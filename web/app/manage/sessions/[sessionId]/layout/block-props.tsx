"use client";
// The selected block's properties: name, size (rows × seats per row, or capacity), tier and
// position, with the API's field errors for that block next to the fields.
import { fieldsUnder, type Problem } from "@/lib/manage";
import type { DesignBlock } from "@/lib/manage-layout";
import type { Tier } from "@/lib/manage-types";
import ui from "../../../_ui/ui.module.css";

interface Props {
  block: DesignBlock;
  index: number;
  tiers: Tier[];
  problem: Problem | null;
  onChange: (b: DesignBlock) => void;
  onRemove: () => void;
}

export default function BlockProps({ block: b, index, tiers, problem, onChange, onRemove }: Props) {
  const prefix = `blocks[${index}]`;
  const errs = fieldsUnder(problem, prefix);
  // The problems of any of fields (paths below the block, e.g. "grid.tier_id"), or of anything under them.
  const err = (...fields: string[]) =>
    errs.filter(([k]) => fields.some((f) => k === `${prefix}.${f}` || k.startsWith(`${prefix}.${f}.`) || k.startsWith(`${prefix}.${f}[`))).map(([, v]) => v).join("; ");
  const num = (k: "rows" | "columns" | "capacity" | "x" | "y") => (e: React.ChangeEvent<HTMLInputElement>) =>
    onChange({ ...b, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) });
  const note = (fields: string[], id: string) => {
    const msg = err(...fields);
    return msg ? <span id={id} className={ui.fieldError}>{msg}</span> : null;
  };

  return (
    <fieldset className={ui.form} aria-label={`Block ${b.name}`} data-testid="block-props">
      <legend>{b.type === "seated_grid" ? "Seated grid" : b.type === "standing" ? "Standing area" : "Stage / not for sale"}</legend>
      <label>
        Name
        <input value={b.name} maxLength={100} onChange={(e) => onChange({ ...b, name: e.target.value })} aria-describedby="bp-name-err" />
        {note(["name"], "bp-name-err")}
      </label>
      {b.type === "seated_grid" && (
        <div className={ui.inline}>
          <label>
            Rows
            <input type="number" min={1} max={1000} value={b.rows} onChange={num("rows")} aria-describedby="bp-grid-err" />
          </label>
          <label>
            Seats per row
            <input type="number" min={1} max={1000} value={b.columns} onChange={num("columns")} aria-describedby="bp-grid-err" />
          </label>
          {note(["grid.rows", "grid.columns", "rows"], "bp-grid-err")}
        </div>
      )}
      {b.type === "standing" && (
        <label>
          Capacity
          <input type="number" min={1} value={b.capacity} onChange={num("capacity")} aria-describedby="bp-cap-err" />
          {note(["capacity"], "bp-cap-err")}
        </label>
      )}
      {b.type !== "non_sellable" && (
        <label>
          Tier
          <select value={b.tierId} onChange={(e) => onChange({ ...b, tierId: e.target.value })} aria-describedby="bp-tier-err">
            <option value="">(choose a tier)</option>
            {tiers.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
          {note(["tier_id", "grid.tier_id"], "bp-tier-err")}
        </label>
      )}
      <div className={ui.inline}>
        <label>
          X
          <input type="number" min={0} value={Math.round(b.x)} onChange={num("x")} aria-describedby="bp-pos-err" />
        </label>
        <label>
          Y
          <input type="number" min={0} value={Math.round(b.y)} onChange={num("y")} aria-describedby="bp-pos-err" />
        </label>
        {note(["position"], "bp-pos-err")}
      </div>
      {errs.filter(([k]) => k === prefix || k === `${prefix}.id` || k === `${prefix}.type`).map(([k, v]) => (
        <span key={k} className={ui.fieldError}>{v}</span>
      ))}
      <div><button type="button" className={ui.danger} onClick={onRemove}>Remove block</button></div>
    </fieldset>
  );
}
