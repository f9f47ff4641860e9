#!/usr/bin/env python3
"""Write the HTML equivalent of a regenquote PDF quote, for the benchmark.

Reads `regenquote price REQUEST --format json` on stdin and the words of
templates/en/quote.txt, and writes an HTML page with the same content as the
PDF (letterhead, patient, plan, itemised table by visit, totals, insurance
notice, what may be billable, timeline and payments, financing examples, Good
Faith Estimate statements, acknowledgement) to stdout, styled for print on US
Letter.  WeasyPrint and wkhtmltopdf render it in `make bench`.
"""
import html
import json
import sys

q = json.load(sys.stdin)
words = {}
with open(sys.argv[1] if len(sys.argv) > 1 else "templates/en/quote.txt", encoding="utf-8") as f:
    key = None
    for line in f:
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and key:
            words[key] += " " + line.strip()
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            key = key.strip()
            words[key] = value.strip()


def w(key, **kw):
    text = words.get(key, "")
    for name, value in kw.items():
        text = text.replace("{" + name + "}", str(value))
    return html.escape(text).replace("\\n", "<br>")


def money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


e = html.escape
clinic = q["clinic"]
patient = q["patient"]
plan = q["plan"]
out = []
out.append("""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Cost estimate</title>
<style>
@page { size: Letter; margin: 54pt 50pt 60pt 50pt;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 8.5pt; color: #222; }
h1 { font-size: 16pt; margin: 8pt 0; } h2 { font-size: 11pt; color: #0b4f6c; margin: 12pt 0 4pt; }
.clinic { font-size: 14pt; font-weight: bold; color: #0b4f6c; }
.muted { color: #666; } .right { text-align: right; }
table { width: 100%; border-collapse: collapse; } thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th { background: #0b4f6c; color: white; text-align: left; padding: 3pt; }
td { padding: 2pt 3pt; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.visit td { font-weight: bold; padding-top: 6pt; } tr.phase td { background: #e8f1f5; font-weight: bold; }
.notice { border: 1.5pt solid #b22222; background: #fdf0f0; padding: 6pt; margin: 8pt 0; }
.notice b { color: #b22222; } .total { background: #0b4f6c; color: white; font-weight: bold; font-size: 11pt; }
.box { border: 0.8pt solid #888; padding: 6pt; margin: 8pt 0; }
.sign { margin-top: 30pt; border-top: 0.8pt solid #222; width: 60%; display: inline-block; }
</style></head><body>""")
out.append(f'<div class="clinic">{e(clinic["name"])}</div>')
out.append(f'<div class="muted">TIN 74-3125687 · NPI 1295847317</div>')
out.append(f'<h1>{w("doc.title")}</h1><div><b>DRAFT</b></div>')
out.append("<table><tr><td>")
out.append(f'<b>{w("patient.heading")}</b><br>{e(patient["name"] or "")}<br>{e(patient["date_of_birth"] or "")}<br>{e(patient["id"] or "")}')
out.append(f'</td><td><b>{w("dates.heading")}</b><br>{q["issued"]}<br>{q["valid_until"]}</td></tr></table>')
prov = clinic.get("provider", {})
out.append(f'<p>{e(prov.get("name", ""))} (NPI {e(prov.get("npi", ""))}) · {e(clinic.get("location", {}).get("name", ""))}</p>')
out.append(f'<div class="notice"><b>{w("insurance.title")}</b><br>{w("insurance.body")}</div>')
out.append(f'<h2>{w("plan.heading")}</h2><table>')
rows = [("Condition", plan.get("condition") or ""), ("ICD-10", ", ".join(plan["icd10"])),
        ("Areas", ", ".join(a["name"] for a in plan["areas"])), ("Cell source", plan["cell_source"]["name"]),
        ("Processing", plan["processing_method"]["name"]), ("Guidance", plan.get("guidance", {}).get("name", "")),
        ("MSC sessions", str(plan["sessions"]))]
for k, v in rows:
    out.append(f"<tr><td class='muted'>{e(k)}</td><td>{e(v)}</td></tr>")
out.append("</table>")
out.append(f'<h2>{w("table.heading")}</h2><table><thead><tr><th>Code</th><th>Description</th>'
           '<th class="num">Qty</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead><tbody>')
last_phase = None
for vi, v in enumerate(q["visits"]):
    if v["phase"] != last_phase:
        out.append(f'<tr class="phase"><td colspan="5">{e(v["phase"])}</td></tr>')
        last_phase = v["phase"]
    out.append(f'<tr class="visit"><td></td><td colspan="4">{e(v["label"])} · week {v["week_from"]}</td></tr>')
    for l in q["lines"]:
        if l["visit"] != vi:
            continue
        mark = "" if l["in_total"] else " *"
        out.append(f'<tr><td>{e(l["code"])}</td><td>{e(l["description"])}</td><td class="num">{l["quantity"]}</td>'
                   f'<td class="num">{money(l["unit_cents"])}</td><td class="num">{money(l["amount_cents"])}{mark}</td></tr>')
out.append("</tbody></table>")
out.append(f'<table><tr><td class="right">Services</td><td class="num">{money(q["subtotal_cents"])}</td></tr>'
           f'<tr><td class="right">Tax</td><td class="num">{money(q["tax_cents"])}</td></tr>'
           f'<tr class="total"><td class="right">Total you pay</td><td class="num">{money(q["total_cents"])}</td></tr></table>')
out.append(f'<h2>{w("billable.heading")}</h2><p>{w("billable.intro")}</p><table>')
for l in q["lines"]:
    if not l["in_total"] and not l["separate"]:
        out.append(f'<tr><td>{e(l["code"])}</td><td>{e(l["description"])}</td><td class="num">{money(l["amount_cents"])}</td></tr>')
out.append(f'</table><p class="right"><b>{money(q["billable_cents"])}</b></p>')
out.append(f'<h2>{w("schedule.heading")}</h2><table><tr><th>When</th><th>Visit</th><th class="num">Amount due</th></tr>')
out.append(f'<tr><td>14 days before</td><td>Deposit</td><td class="num">{money(q["deposit_cents"])}</td></tr>')
for v in q["visits"]:
    out.append(f'<tr><td>Week {v["week_from"]}</td><td>{e(v["label"])}</td><td class="num">{money(v["due_cents"])}</td></tr>')
out.append("</table>")
out.append(f'<div class="box"><b>{w("financing.heading")}</b><table><tr><th>Example</th><th class="num">Months</th>'
           '<th class="num">APR</th><th class="num">Monthly</th><th class="num">Total paid</th></tr>')
for f_ in q["financing"]:
    out.append(f'<tr><td>{e(f_["name"])}</td><td class="num">{f_["months"]}</td><td class="num">{f_["apr"]}</td>'
               f'<td class="num">{money(f_["monthly_cents"])}</td><td class="num">{money(f_["total_paid_cents"])}</td></tr>')
out.append("</table></div>")
out.append(f'<h2>{w("gfe.heading")}</h2><ul>')
for k in sorted(k for k in words if k.startswith("gfe.") and k != "gfe.heading"):
    out.append(f"<li>{w(k, amount=money(q['total_cents']), threshold='$400', days=120)}</li>")
out.append("</ul>")
out.append(f'<h2>{w("ack.heading")}</h2><p>{w("ack.text", total=money(q["total_cents"]))}</p>'
           f'<div class="sign">Patient signature</div> <div class="sign" style="width:30%">Date</div>')
out.append(f'<p class="muted" style="font-size:6.5pt">Price table {e(q["price_table"]["version"])}, '
           f'sha256 {q["price_table"]["sha256"][:12]}</p></body></html>')
sys.stdout.write("\n".join(out) + "\n")
