// The second navigation row of the doctor and admin areas (one link per page of the area).
import { NavLink } from 'react-router';

export function AreaNav({ label, links }: { label: string; links: { to: string; label: string; end?: boolean }[] }) {
  return (
    <nav className="area-nav" aria-label={label}>
      <ul>
        {links.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A heading row with the page title and, on the right, the page's main action. */
export function PageHead({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {children && <div className="row">{children}</div>}
    </div>
  );
}

/** One figure on a dashboard (earnings, patients, …). */
export function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat card">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
