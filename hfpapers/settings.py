"""Scrapy settings for hfpapers.

Only what differs from Scrapy's defaults is here, each with the reason.
Every name can be overridden with ``-s NAME=value`` or Scrapyd's ``setting=``.
"""

BOT_NAME = "hfpapers"
SPIDER_MODULES = ["hfpapers.spiders"]
NEWSPIDER_MODULE = "hfpapers.spiders"
# Our `crawl` exits non-zero when the run failed (Scrapy's exits 0, scrapy#1231).
COMMANDS_MODULE = "hfpapers.commands"

# --- Sources (tests point these at a local server) ---------------------------
HF_BASE_URL = "https://huggingface.co"
ARXIV_API_URL = "https://export.arxiv.org/api/query"
ARXIV_BASE_URL = "https://arxiv.org"
# The first day Hugging Face Daily Papers has a list for.
FIRST_DAY = "2023-05-04"

# --- Output -----------------------------------------------------------------
# The Jekyll site; posts go to _posts/, data files to _data/papers/.
SITE_DIR = "."
POST_AUTHOR = "lim4349"
POST_CATEGORIES = ["Daily Papers", "일간"]
POST_CATEGORIES_WEEKLY = ["Daily Papers", "주간"]
POST_CATEGORIES_MONTHLY = ["Daily Papers", "월간"]
POST_TAGS = ["huggingface", "papers", "daily", "ai"]
# The N most common arXiv primary categories become extra tags (cs.cl), for tag pages.
POST_CATEGORY_TAGS = 3
# Mermaid likes chart of the top N at the top of each post (0: no chart).
POST_CHART_TOP = 10
# Weekly and monthly posts list the top N papers (statistics cover all).
POST_PERIOD_TOP = 20
# An "AI 요약:" line per paper from Hugging Face's ai_summary.
POST_AI_SUMMARY = False
# Posts are dated 09:15 KST, the morning run, but never later than the crawl.
POST_TIME = "09:15"
POST_TIMEZONE = "Asia/Seoul"
# FEEDS is built per run by the spider (one post and one data file per day).
FEED_EXPORTERS = {"korean_post": "exporters.korean_post.KoreanPostExporter"}
# Posts and data files appear only when the run finished cleanly.
FEED_STORAGES = {
    "": "hfpapers.storage.AtomicFileFeedStorage",
    "file": "hfpapers.storage.AtomicFileFeedStorage",
}
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = False

# --- Politeness -------------------------------------------------------------
USER_AGENT = "hfpapers/1.0 (+https://github.com/lim4349/hfpapers; Korean daily papers blog)"
ROBOTSTXT_OBEY = True
# arXiv API terms: one request every 3 s, one connection at a time.
ARXIV_API_DELAY = 3.0
# arxiv.org robots.txt asks Crawl-delay: 15, which Scrapy does not apply itself.
ARXIV_ABS_DELAY = 15.0
# Hugging Face allows 100 page views per 5 minutes per IP: one every 3 s.
HF_PAGE_DELAY = 3.0
# Up to 100 ids per arXiv API request (arXiv's own page size).
ARXIV_BATCH_SIZE = 100
# A download slot per service: the delays above apply whatever the host is.
DOWNLOAD_SLOTS: dict[str, dict[str, object]] = {}
DOWNLOAD_TIMEOUT = 60
# Scrapy's retries (429, 5xx, timeouts) with a wait first: Retry-After, else 1 s, 2 s, 4 s...
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 300.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "hfpapers.middlewares.BackoffRetryMiddleware": 550,
}

ITEM_PIPELINES = {
    "hfpapers.pipelines.NormalizePipeline": 100,
    "hfpapers.pipelines.DedupePipeline": 200,
    "hfpapers.pipelines.RankPipeline": 300,
    "hfpapers.pipelines.ValidatePipeline": 400,
    "hfpapers.pipelines.PreviousPostPipeline": 500,
}
EXTENSIONS = {
    # Publishing before the summary, so the run outcome includes the push.
    "hfpapers.publish.GitPublisher": 400,
    "hfpapers.extensions.RunSummary": 500,
}

# --- Publishing (see hfpapers/publish.py) -----------------------------------
PUBLISH_GIT = False
PUBLISH_GIT_AUTHOR = "hfpapers bot <hfpapers@users.noreply.github.com>"
PUBLISH_PUSH = False
PUBLISH_GIT_REMOTE = "origin"
PUBLISH_GIT_BRANCH = ""  # the checked-out branch
PUBLISH_PUSH_RETRIES = 3

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
