/**
 * Test support: reads an Atom document with a real, strict XML parser (saxes: XML 1.0 and
 * namespaces, any well-formedness error throws) and checks the MUSTs of RFC 4287 on it, so the
 * feed tests never read the XML the way the code under test writes it.
 */
import { SaxesParser } from "saxes";
import { expect } from "vitest";

export const ATOM_NS = "http://www.w3.org/2005/Atom";

export type XmlElement = { uri: string; local: string; attributes: Record<string, string>; children: XmlElement[]; text: string };

/** The document element of `xml`, as a tree; throws on the first well-formedness or namespace error. */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let failure: Error | null = null;
  parser.on("error", (error) => {
    failure ??= error;
  });
  parser.on("opentag", (tag) => {
    const attributes: Record<string, string> = {};
    for (const attribute of Object.values(tag.attributes)) if (attribute.prefix !== "xmlns" && attribute.name !== "xmlns") attributes[attribute.local] = attribute.value;
    const element: XmlElement = { uri: tag.uri, local: tag.local, attributes, children: [], text: "" };
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on("text", (text) => {
    if (stack.length > 0) stack[stack.length - 1].text += text;
  });
  parser.on("closetag", () => void stack.pop());
  parser.write(xml).close();
  if (failure) throw failure;
  if (root === null) throw new Error("no document element");
  return root;
}

export type AtomEntry = { id: string; title: string; updated: string; content: string; categories: { scheme?: string; term: string }[]; element: XmlElement };
export type AtomFeed = { id: string; title: string; updated: string; links: Record<string, string>; entries: AtomEntry[]; root: XmlElement };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/**
 * Parses an Atom feed and checks RFC 4287's MUSTs: the feed and each entry hold exactly one id (an
 * absolute IRI), title and updated (an RFC 3339 date-time); the feed has an author with a name,
 * or every entry has one; at most one generator, subtitle, content and summary; text constructs
 * of type text, html or xhtml, and text ones with no child element; every link an href; at most
 * one alternate link per type; an entry without content has an alternate link; every category a term.
 */
export function readAtomFeed(xml: string): AtomFeed {
  const root = parseXml(xml);
  expect(root.uri).toBe(ATOM_NS);
  expect(root.local).toBe("feed");
  const feed = checkCommon(root, "feed");
  for (const name of ["generator", "icon", "logo", "rights", "subtitle"]) expect(atom(root, name).length, `feed ${name}`).toBeLessThanOrEqual(1);
  const entryElements = atom(root, "entry");
  const hasAuthor = (element: XmlElement) => atom(element, "author").length > 0;
  expect(hasAuthor(root) || entryElements.every(hasAuthor), "feed author, or an author in every entry").toBe(true);
  const entries = entryElements.map((element) => {
    const entry = checkCommon(element, "entry");
    for (const name of ["content", "summary", "published", "rights", "source"]) expect(atom(element, name).length, `entry ${name}`).toBeLessThanOrEqual(1);
    const content = atom(element, "content");
    if (content.length === 0) expect(entry.links.alternate, "an entry without content has an alternate link").toBeDefined();
    const categories = atom(element, "category").map(({ attributes }) => {
      expect(attributes.term, "category term").toBeTruthy();
      return { scheme: attributes.scheme, term: attributes.term };
    });
    return { id: entry.id, title: entry.title, updated: entry.updated, content: content[0]?.text ?? "", categories, element };
  });
  return { ...feed, entries, root };
}

function checkCommon(element: XmlElement, what: string) {
  for (const name of ["id", "title", "updated"]) expect(atom(element, name), `${what} ${name}`).toHaveLength(1);
  const [id, title, updated] = ["id", "title", "updated"].map((name) => atom(element, name)[0].text);
  expect(id.trim(), `${what} id is an absolute IRI`).toMatch(IRI);
  expect(updated, `${what} updated is an RFC 3339 date-time`).toMatch(RFC3339);
  for (const author of atom(element, "author")) expect(atom(author, "name"), `${what} author name`).toHaveLength(1);
  for (const name of ["title", "subtitle", "summary", "rights", "content"]) {
    for (const text of atom(element, name)) {
      const type = text.attributes.type ?? "text";
      if (name !== "content") expect(["text", "html", "xhtml"]).toContain(type);
      if (type === "text") expect(text.children, `${what} ${name} of type text holds no element`).toEqual([]);
    }
  }
  const links: Record<string, string> = {};
  const alternates = new Set<string>();
  for (const { attributes } of atom(element, "link")) {
    expect(attributes.href, `${what} link href`).toBeTruthy();
    const rel = attributes.rel ?? "alternate";
    if (rel === "alternate") {
      const variant = `${attributes.type ?? ""} ${attributes.hreflang ?? ""}`;
      expect(alternates.has(variant), `${what}: one alternate link per type and language`).toBe(false);
      alternates.add(variant);
    }
    links[rel] = attributes.href;
  }
  return { id, title, updated, links };
}

/** The Atom children of `element` named `local`. */
export function atom(element: XmlElement, local: string): XmlElement[] {
  return element.children.filter((child) => child.uri === ATOM_NS && child.local === local);
}
