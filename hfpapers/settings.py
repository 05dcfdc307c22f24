"""Scrapy settings for hfpapers.

Only what differs from Scrapy's defaults is here, each with the reason.
Every name can be overridden with ``-s NAME=value`` or Scrapyd's ``setting=``.
"""

from scrapy.settings import default_settings

from hfpapers import __version__

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
# The Jekyll site; posts go to _posts/, data files to _data/papers/. No default: a run
# refuses to start without it (the working directory is seldom the blog).
SITE_DIR = ""
# Front matter `author`, checked against the site's _data/authors.yml; empty: no author line,
# and Chirpy names the site's own author (the blog's authors.yml has no lim4349).
POST_AUTHOR = ""
POST_CATEGORIES = ["Daily Papers", "일간"]
POST_CATEGORIES_WEEKLY = ["Daily Papers", "주간"]
POST_CATEGORIES_MONTHLY = ["Daily Papers", "월간"]
POST_TAGS = ["huggingface", "papers", "daily", "ai"]
POST_TAGS_WEEKLY = ["huggingface", "papers", "weekly", "ai"]
# The blog's monthly series has its own tags, title and time (its 2025-11 post).
POST_TAGS_MONTHLY = ["huggingface", "papers", "monthly", "ai", "summary"]
# The N most common arXiv primary categories as extra tags (cs.CL), for tag pages. Off: tags
# that every daily post carries push the blog's own off Chirpy's Trending Tags.
POST_CATEGORY_TAGS = 0
# Mermaid likes chart of the top N at the top of each post (0: no chart).
POST_CHART_TOP = 10
# The chart's bar colour: Mermaid's default palette starts near white (#FFF4DD), unreadable
# on Chirpy's light theme; this blue keeps 4:1 contrast on both its light and dark themes.
POST_CHART_COLOR = "#4c6ef5"
# The top paper's Hugging Face thumbnail as the post's image (its home-page card picture).
POST_IMAGE = True
# Weekly and monthly posts list the top N papers (statistics cover all).
POST_PERIOD_TOP = 20
# Each paper's one line to skim is its Korean summary (SUMMARY_API_URL), else Hugging Face's
# own ai_summary, labelled "AI 요약 (HF):" (False: no line from Hugging Face).
POST_AI_SUMMARY = True
# A daily post is dated its day at 09:15 KST, the morning run; a weekly or monthly one the
# day after its period at the shipped schedule's time (deploy/crontab), so it lands on the
# home page after the days it covers. Never later than the crawl (Jekyll skips future posts).
POST_TIME = "09:15"
POST_TIME_WEEKLY = "09:30"
POST_TIME_MONTHLY = "09:45"
POST_TIMEZONE = "Asia/Seoul"
# Every post sets its own URL: the blog's _config.yml gives posts /posts/:title/, and
# :title (the file name) is the same for every day. {slug}: daily-papers,
# weekly-papers, monthly-papers-summary; {key}: 2026-02-18, 2026-W08, 2026-02.
# Empty: no permalink line. A post that replaces one keeps that post's URL.
POST_PERMALINK = "/posts/{slug}-{key}/"
# The URL the site gives a post without a permalink line ({title}: its file name
# without the date), for adopting the old script's posts at their own URLs.
SITE_POST_URL = "/posts/{title}/"
# ListWriter (EXTENSIONS) writes each list's post and data file; no FEEDS.
# The renderers are also feed exporters, for anyone who wants them in FEEDS.
FEED_EXPORTERS = {
    "korean_post": "exporters.korean_post.KoreanPostExporter",
    "papers_data": "exporters.data_file.DataFileExporter",
}

# --- Korean summaries (hfpapers/summaries.py, hfpapers/summary_pipeline.py) ----
# An OpenAI-compatible API (Ollama: http://127.0.0.1:11434/v1; OpenAI:
# https://api.openai.com/v1); empty: no summaries and no requests. The key comes
# from the environment variable SUMMARY_API_KEY, never from a setting.
SUMMARY_API_URL = ""
SUMMARY_MODEL = ""
SUMMARY_PROMPT = (
    "당신은 머신러닝 논문을 한국어로 소개하는 편집자입니다. 주어진 논문의 제목과 초록을 읽고, "
    "이 논문이 무엇을 하고 무엇을 발견했는지 두세 문장의 자연스러운 한국어로 요약하세요. "
    "제목을 반복하지 말고, 목록이나 제목 없이 한 문단으로만 답하세요."
)
# 0: the same abstract gives the same summary, so an evening refresh reads as the morning's.
SUMMARY_TEMPERATURE = 0.0
# A summary is a line of the post, not a second abstract.
SUMMARY_MAX_CHARS = 400
# A local model serves two at a time well; an API allows more.
SUMMARY_CONCURRENCY = 2
SUMMARY_DELAY = 0.0
SUMMARY_RETRY_TIMES = 2
# After this many summaries in a row failed (down, hanging, refusing), the run stops asking:
# a dead endpoint costs minutes, not an hour. The next run tries again.
SUMMARY_MAX_FAILURES = 3
# A model can take a while on a long abstract.
SUMMARY_TIMEOUT = 120

# --- Politeness -------------------------------------------------------------
USER_AGENT = f"hfpapers/{__version__} (+https://github.com/lim4349/hfpapers; Korean daily papers blog)"
ROBOTSTXT_OBEY = True
# arXiv API terms: one request every 3 s, one connection at a time.
ARXIV_API_DELAY = 3.0
# arxiv.org robots.txt asks Crawl-delay: 15, which Scrapy does not apply itself.
ARXIV_ABS_DELAY = 15.0
# Abstract pages are a fallback for the few ids an API answer lacks, read one at a time: at
# most this many a run (a month of pages would take hours at 15 s each); the rest keep
# Hugging Face's abstract.
ARXIV_ABS_MAX_PAGES = 5
# Hugging Face allows 100 page views per 5 minutes per IP: one every 3 s.
HF_PAGE_DELAY = 3.0
# Up to 100 ids per arXiv API request (arXiv's own page size).
ARXIV_BATCH_SIZE = 100
# Papers per /api/daily_papers page when the page lost its payload (the API's default is 50).
HF_API_PAGE_SIZE = 100
# At most this many API pages per list (1,000 papers): an API that ignores p would page forever.
HF_API_MAX_PAGES = 10
# A download slot per service: the delays above apply whatever the host is.
DOWNLOAD_SLOTS: dict[str, dict[str, object]] = {}
# Both sites answer in well under a second; a server that trickles its answer is cut off.
DOWNLOAD_TIMEOUT = 30
# The largest real answer is a month's page (~1,000 papers, some 10 MB); a day's is ~0.3 MB.
# Larger is no Daily Papers answer: dropped (for arXiv: the post keeps Hugging Face's data).
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# A run-wide deadline: the longest backfill (every day since FIRST_DAY, ~1,300 lists at the
# default delays) takes about 70 minutes. When it hits, the lists finished are written; exit 1.
CLOSESPIDER_TIMEOUT = 4 * 3600
# Scrapy's retries (429, 5xx, timeouts) with a wait first: Retry-After, else 1 s, 2 s, 4 s...
RETRY_TIMES = 3
# Scrapy's list but DNS failures: a name that does not resolve will not resolve a second later.
RETRY_EXCEPTIONS = [
    exception
    for exception in default_settings.RETRY_EXCEPTIONS
    if exception != "scrapy.exceptions.CannotResolveHostError"
]
# Giving up is reported by the request's own errback, at the level it deserves (a list's
# failure, or a warning when Hugging Face's data will do), not as a second error.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 300.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "hfpapers.middlewares.BackoffRetryMiddleware": 550,
    # Redirects only within the host asked: never to an internal address or another site.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "hfpapers.middlewares.SameHostRedirectMiddleware": 600,
    # Nearest the network: every attempt, retries included.
    "hfpapers.middlewares.AttemptCounter": 890,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
}
# Neither site refreshes by <meta>; a page that does is not followed.
METAREFRESH_ENABLED = False

ITEM_PIPELINES = {
    "hfpapers.pipelines.NormalizePipeline": 100,
    # Before dedupe: an invalid entry must not win over a valid one of the same paper.
    "hfpapers.pipelines.ValidatePipeline": 200,
    "hfpapers.pipelines.DedupePipeline": 300,
    "hfpapers.pipelines.RankPipeline": 400,
    "hfpapers.pipelines.PreviousPostPipeline": 500,
    # Last: only the papers a post shows are asked, and a list kept back asks nothing.
    "hfpapers.summary_pipeline.KoreanSummaryPipeline": 600,
}
# The summary endpoint's download slot (SUMMARY_DELAY), set before the settings freeze.
ADDONS = {"hfpapers.summary_pipeline.SummarySlot": 0}
EXTENSIONS = {
    # One outcome per list, as data; at the end it calls the writer, the summaries cache and
    # the publisher, in that order, and logs the run report.
    "hfpapers.ledger.RunLedger": 500,
    # Renders each list at once, installs the clean lists' files at the end.
    "hfpapers.writer.ListWriter": 500,
    "hfpapers.publish.GitPublisher": 500,
    # Two servers with no place in an unattended job: the remote control (runs any Python
    # code sent to it) and the telnet console. Scrapy still imports a component set to None
    # (to match it with its *_BASE entry): aiohttp for the remote control, ~150 ms a run.
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
}
# Off even when -s EXTENSIONS=… replaces the dict above.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
# No cookies: both sites serve the same pages without them (the middleware is None in
# DOWNLOADER_MIDDLEWARES; its module, with tldextract, is still imported: ~50 ms a run).
COOKIES_ENABLED = False

# --- Publishing (see hfpapers/publish.py) -----------------------------------
PUBLISH_GIT = False
PUBLISH_GIT_AUTHOR = "hfpapers bot <hfpapers@users.noreply.github.com>"
PUBLISH_PUSH = False
PUBLISH_GIT_REMOTE = "origin"
PUBLISH_GIT_BRANCH = ""  # the checked-out branch
PUBLISH_PUSH_RETRIES = 3
# Seconds any one git command may take; a push that hangs is abandoned after it.
PUBLISH_TIMEOUT = 120

LOG_LEVEL = "INFO"
