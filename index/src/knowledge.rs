//! What well-known products do, for catalog entries that only name them.
//!
//! Many entries of real catalogs have an empty description and no tool list ("Razorpay",
//! "WolframAlpha"), so nothing in them says "payments" or "math". A person knows what these
//! products are; this table lets search know it too. It is product knowledge, matched by
//! server name (the name itself, or the name followed by `-`, so `notion` also covers
//! `notion-remote`), and indexed at a modest weight so a real description still counts more.
//! Keep each line factual and short: what the product is and what it is used for.

/// `(server name prefix, what it is)`.
pub(crate) const PRODUCTS: &[(&str, &str)] = &[
    (
        "astra-db",
        "DataStax Astra DB serverless Cassandra NoSQL and vector database",
    ),
    (
        "atlassian",
        "Jira tickets issues sprints and Confluence wiki pages",
    ),
    (
        "audiense",
        "audience insights and social media audience segmentation for marketing",
    ),
    (
        "azure",
        "Microsoft Azure cloud: storage accounts, Cosmos DB, resource groups, app configuration",
    ),
    (
        "bitrefill",
        "buy gift cards and mobile phone top-ups, pay with bitcoin and crypto",
    ),
    (
        "box",
        "Box cloud content management: store, share and search files and documents",
    ),
    (
        "cdata",
        "query SaaS applications and databases with SQL through CData connectors",
    ),
    (
        "chroma",
        "Chroma open-source vector database for embeddings and semantic search",
    ),
    (
        "circleci",
        "CircleCI continuous integration: CI/CD pipelines, builds, failing jobs and test logs",
    ),
    (
        "cyreslab-ai-shodan",
        "Shodan search engine for internet-connected devices, open ports and exposed hosts",
    ),
    (
        "dappier",
        "real-time web search, news, sports, stock market and weather data",
    ),
    ("dart", "Dart project management: tasks, docs and to-dos"),
    (
        "databutton",
        "Databutton AI app builder for web apps and APIs",
    ),
    (
        "devhub",
        "DevHub CMS for managing website content, locations and blog posts",
    ),
    (
        "e2b",
        "E2B cloud sandboxes that run AI-generated code, Python code interpreter",
    ),
    (
        "edubase",
        "EduBase e-learning platform: quizzes, exams, courses and students",
    ),
    (
        "elevenlabs",
        "ElevenLabs text to speech, voice cloning, speech synthesis and audio",
    ),
    ("exa", "Exa AI web search engine and content retrieval"),
    (
        "firecrawl",
        "Firecrawl web scraping and crawling, turns websites into markdown",
    ),
    (
        "flexprice",
        "usage-based billing, metering, pricing plans and invoices",
    ),
    (
        "github-chat",
        "ask questions about a GitHub repository's code and documentation",
    ),
    (
        "git",
        "local git repository: commits, diffs, branches, log and status",
    ),
    (
        "github",
        "GitHub code hosting: repositories, branches, issues, pull requests, commits, code search, actions",
    ),
    (
        "gitlab",
        "GitLab: projects, merge requests, issues, CI/CD pipelines and repositories",
    ),
    (
        "memory",
        "knowledge graph memory: remember entities, facts and relations across conversations",
    ),
    (
        "openbnb",
        "Airbnb search: vacation rentals, listings, stays and accommodation",
    ),
    (
        "slack",
        "Slack team chat: channels, messages, threads and users",
    ),
    (
        "telnyx",
        "Telnyx telephony: SMS text messages, voice calls and phone numbers",
    ),
    ("glif", "AI image generation and creative workflows"),
    (
        "grafana",
        "Grafana dashboards, observability, Prometheus metrics, Loki logs, alerts and incidents",
    ),
    (
        "gyazo",
        "Gyazo screenshot and image capture sharing and search",
    ),
    (
        "hackle",
        "A/B testing, feature flags and experiment analytics",
    ),
    (
        "handwriting-ocr",
        "OCR of handwritten text in scanned images and PDF documents",
    ),
    (
        "heroku",
        "Heroku cloud platform: deploy apps, dynos, add-ons, Postgres databases",
    ),
    (
        "husqvarna",
        "Husqvarna Automower robotic lawn mower control and status",
    ),
    (
        "hyperbrowser",
        "cloud headless browsers for web scraping, crawling and browser automation",
    ),
    (
        "hyperspell",
        "search and memory over your connected documents, email and apps for AI agents",
    ),
    (
        "iaptic",
        "in-app purchase receipt validation, subscriptions and customers for mobile apps",
    ),
    (
        "jetbrains",
        "JetBrains IDEs such as IntelliJ IDEA: open files, run configurations, code editor",
    ),
    ("kagi", "Kagi web search engine and summarizer"),
    (
        "kong",
        "Kong API gateway: services, routes, plugins and consumers",
    ),
    (
        "line",
        "LINE messaging app: send messages through a LINE official account bot",
    ),
    (
        "minecraft-wiki",
        "Minecraft game wiki: items, blocks, mobs, crafting recipes",
    ),
    (
        "mongodb",
        "MongoDB NoSQL document database and Atlas clusters: collections, queries, aggregation",
    ),
    (
        "multiversx",
        "MultiversX blockchain: wallets, tokens, transactions, crypto",
    ),
    (
        "neon",
        "Neon serverless Postgres database: projects, branches, SQL queries, migrations",
    ),
    (
        "node-code-sandbox",
        "run JavaScript and Node.js code with npm packages in a sandboxed container",
    ),
    (
        "notion",
        "Notion workspace: pages, databases, notes, docs and wiki",
    ),
    (
        "obsidian",
        "Obsidian markdown notes vault and personal knowledge base",
    ),
    (
        "openapi",
        "explore OpenAPI and Swagger REST API specifications: endpoints and schemas",
    ),
    (
        "opik",
        "Opik LLM observability: traces, prompts, evaluations and experiments",
    ),
    (
        "osp",
        "marketing: product positioning, SEO content writing and editing",
    ),
    (
        "paper-search",
        "search academic research papers on arXiv, PubMed, bioRxiv and Google Scholar",
    ),
    (
        "pinecone",
        "Pinecone vector database for embeddings, semantic search and RAG",
    ),
    (
        "playwright",
        "Playwright browser automation: navigate web pages, click, fill forms, screenshots",
    ),
    (
        "razorpay",
        "Razorpay payment gateway for India: payments, orders, refunds, settlements, payment links",
    ),
    (
        "resend",
        "Resend transactional email API: send emails from your application",
    ),
    (
        "risken",
        "RISKEN cloud security posture findings and alerts",
    ),
    (
        "scrapegraph",
        "AI web scraping: extract structured data from web pages",
    ),
    (
        "singlestore",
        "SingleStore distributed SQL database: workspaces and queries",
    ),
    (
        "supadata",
        "video transcripts from YouTube and TikTok, and web page scraping",
    ),
    ("tembo", "Tembo managed Postgres database instances"),
    (
        "terraform",
        "HashiCorp Terraform infrastructure as code: registry providers, modules and workspaces",
    ),
    (
        "triplewhale",
        "ecommerce analytics for Shopify stores: sales, ads and attribution",
    ),
    (
        "webflow",
        "Webflow website builder and CMS: sites, pages and collections",
    ),
    (
        "wikipedia",
        "Wikipedia encyclopedia articles: search and read",
    ),
    (
        "wolfram",
        "Wolfram Alpha computational knowledge engine: math, calculations, science, unit conversions",
    ),
];

/// The knowledge line for a server name, if the table has one.
pub(crate) fn about(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    PRODUCTS
        .iter()
        .find(|(prefix, _)| {
            name == *prefix
                || name
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('_'))
        })
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_name_or_name_prefix_only() {
        assert!(about("razorpay").is_some());
        assert!(about("notion-remote").is_some());
        assert!(about("wolfram-alpha").is_some());
        assert!(about("dropbox").is_none());
        assert!(about("linear").is_none());
    }
}
