// @vitest-environment node
/**
 * The docs hold together: README.md stays short enough to read in five minutes (under 8,000
 * characters, counted as `wc -c` counts them: bytes), every relative link in README.md and
 * docs/*.md points at a file that exists, and every `#anchor` matches a heading in its target as
 * GitHub slugs it. Links inside code (fenced blocks, inline spans) are not links and are skipped;
 * links with a scheme (https:, mailto:) are not checked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = join(ROOT, "README.md");
const DOCS = join(ROOT, "docs");
const README_MAX_BYTES = 8_000;

const pages = [README, ...readdirSync(DOCS).filter((name) => name.endsWith(".md")).map((name) => join(DOCS, name))];

/** The text outside fenced code blocks, line by line (fenced lines blanked, so line numbers hold). */
function proseLines(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split("\n").map((line) => {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null && opener) {
      fence = opener[1];
      return "";
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence[0].repeat(fence.length)) && line.trim().replace(/[`~]/g, "") === "") fence = null;
      return "";
    }
    return line;
  });
}

/** Inline code spans removed: `[...]` inside them is code, not a link. */
const withoutCode = (line: string) => line.replace(/(`+)[\s\S]*?\1/g, "");

/**
 * A heading's anchor as GitHub makes it (github-slugger): the rendered text (code ticks, emphasis
 * and link syntax gone), lower-cased, every character but letters, marks, numbers, `_`, `-` and
 * spaces dropped, spaces turned into hyphens.
 */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .replace(/<[^>]+>/g, "");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page's headings make, with GitHub's `-1`, `-2` suffixes for repeats. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(readFileSync(file, "utf8"))) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = githubSlug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

type Link = { from: string; line: number; target: string };

function linksOf(file: string): Link[] {
  const links: Link[] = [];
  proseLines(readFileSync(file, "utf8")).forEach((line, index) => {
    for (const match of withoutCode(line).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ from: file, line: index + 1, target: match[1] });
    }
  });
  return links;
}

/** Why a relative link does not resolve, or null when it does. */
function brokenReason({ from, target }: Link): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
  const [path, anchor] = target.split("#", 2) as [string, string | undefined];
  const file = path === "" ? from : resolve(dirname(from), decodeURIComponent(path));
  if (!existsSync(file)) return `no such file ${relative(ROOT, file)}`;
  if (anchor === undefined) return null;
  if (statSync(file).isDirectory() || !file.endsWith(".md")) return `an #anchor into ${relative(ROOT, file)}, which is not a Markdown file`;
  if (!anchorsOf(file).has(decodeURIComponent(anchor))) return `no heading in ${relative(ROOT, file)} makes #${anchor}`;
  return null;
}

describe("the docs", () => {
  it(`README.md is under ${README_MAX_BYTES} characters (wc -c)`, () => {
    expect(statSync(README).size).toBeLessThan(README_MAX_BYTES);
  });

  it("README.md links every page in docs/", () => {
    const linked = new Set(linksOf(README).map(({ target }) => resolve(ROOT, target.split("#")[0])));
    const unlinked = pages.filter((page) => page !== README && !linked.has(page)).map((page) => relative(ROOT, page));
    expect(unlinked).toEqual([]);
  });

  it("every relative link in README.md and docs/*.md resolves, anchors included", () => {
    const links = pages.flatMap(linksOf);
    expect(links.length).toBeGreaterThan(20);
    const broken = links.flatMap((link) => {
      const reason = brokenReason(link);
      return reason === null ? [] : [`${relative(ROOT, link.from)}:${link.line}: (${link.target}) ${reason}`];
    });
    expect(broken).toEqual([]);
  });

  it("slugs headings as GitHub does", () => {
    expect(githubSlug("`snapshots_v2:runDemo` arguments")).toBe("snapshots_v2rundemo-arguments");
    expect(githubSlug("Archives, compaction and retention")).toBe("archives-compaction-and-retention");
    expect(githubSlug("What is not stored, and why")).toBe("what-is-not-stored-and-why");
    expect(githubSlug("Largest k under 64 MiB, 2026-shaped catalogue")).toBe("largest-k-under-64-mib-2026-shaped-catalogue");
    expect(githubSlug("The local command: `npm run snapshot`")).toBe("the-local-command-npm-run-snapshot");
    expect(githubSlug("See [the docs](docs/x.md) — now")).toBe("see-the-docs--now");
  });
});
