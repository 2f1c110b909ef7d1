"""Word lists used by the sentence-unit splitter (`annotator.core.segment`).

Abbreviations are stored without their final period, exactly as they are written. They cover
the briefing languages we see: English, French, Indonesian and a few Arabic ones ("د." for Dr.).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A period after these never ends a sentence: titles, ranks, months, Latin shorthands.
NEVER_END: frozenset[str] = _words(
    """
    Mr Mrs Ms Messrs Mmes Dr Drs Prof Profs Rev Hon Amb Pres Gov Govs Sen Sens Rep Reps
    Gen Gens Lt Lts Col Cols Capt Maj Sgt Cpl Pvt Pfc Spc Adm Cmdr Cdr Brig Ens Tech
    Msgt MSgt SSgt TSgt CMSgt SMSgt Amn SrA Supt Insp Det Atty Dept Univ Assn Mt Ft Pt Gen'l
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Sec Secs
    Mon Tue Tues Wed Thu Thur Thurs Fri
    e.g E.g i.e I.e viz cf Cf vs approx Approx al ca incl Pub Stat Cong Sess Supp
    est Est alt aka fmr Fmr esp excl resp abbr pop ret Ret
    Ref Tel Fax Encl Ext Att Cpt Govt govt Intl Natl Bldg
    M MM Mme Mlle Mlles Mgr Pr Me Ste env
    Bpk Bp Sdr Sdri Yth Jl Kec Kab Prov Hj Ir Dra Tn Ny Nn Pol
    د أ ص
    """
)

# Titles before a name, also written without a period ("Mme Martin", "Dr Farah"): a line that
# ends with one is cut before the name.
HONORIFICS: frozenset[str] = _words(
    """
    Mr Mrs Ms Messrs Mmes Dr Drs Prof Rev Hon Amb Gen Lt Col Capt Maj Sgt Cpl Adm Cmdr Brig
    Mme Mlle Mlles Mgr Bpk Bp Sdr Sdri Hj Ir
    """
)

# These end a sentence only when the next word is a typical sentence starter.
MAYBE_END: frozenset[str] = _words(
    """
    Inc Ltd Co Corp Bros Jr Sr St Ave Blvd Rd Sq Esq Ph.D dkk
    """
)

# These do not end a sentence before a number or a code with digits ("No. 5", "p. 12",
# "Art. 51", "No. A/RES/77").
BEFORE_NUMBER: frozenset[str] = _words(
    """
    No no Nos nos Nr nr Art art Arts Para para Paras Fig fig Figs Vol vol Vols Sec sec
    Ch ch Chap chap p pp Pp n Op op Res res Doc doc Km km
    """
)

# Capitalised words that usually open a sentence (and rarely continue one). A dotted
# initialism ("U.S.", "E.O.") ends a sentence only before one of these.
SENTENCE_STARTERS: frozenset[str] = _words(
    """
    The This That These Those It Its He She They We I You Our His Her Their There Here
    In On At For From By With Without To Of As After Before During Despite Although Though
    While When Where Whether If Since Because But And Or So Yet However Moreover Furthermore
    Meanwhile Nevertheless Nonetheless Still Also Thus Therefore Indeed Instead Both Each Every
    All Some Many Most Few Several No None Other Another Such Once Until Under Over Through
    Today Yesterday Tomorrow Now Then An Why What Who How Which Following According
    Additionally Similarly Finally Further Given Unlike Like Among
    Le La Les Il Elle Ils Elles Nous Vous Ce Cette Ces Cet En Dans Pour Mais Toutefois
    Cependant Selon Depuis Après Avant Comme Si Lors Un Une Des Du Au Aux Par Sur Enfin
    Ini Itu Dia Ia Mereka Kami Kita Pada Dalam Namun Sementara Menurut Di Ke Dari Para
    Sebelumnya Selain Saat Ketika Sejak Setelah Untuk Dengan Juga Hal
    """
)

# Lowercase words after which a line cannot end a unit (the line is a hard wrap).
FUNCTION_WORDS: frozenset[str] = _words(
    """
    a an the to of in on at by for from with without into onto upon about above across after
    against along among around before behind below beneath beside between beyond during
    except inside near off over past since through throughout toward towards under until
    unto via within and or nor but yet so as than that which who whom whose whether if
    because while although though when where its their his her our your my this these those
    is are was were be been being has have had will would can could should may might must
    shall not such very more most less least both either neither each every some any no
    de du des la le les et à au aux en pour par sur dans avec que qui ou sans sous entre
    di ke dari yang dan untuk dengan pada dalam atau oleh bagi bahwa serta kepada tentang
    في من إلى على عن مع أو ثم التي الذي الذين منذ بعد قبل حتى لدى عند نحو حول خلال ضد بين
    دون عبر وفق بشأن تجاه أن إن لا لم لن قد هذا هذه ذلك تلك
    """
)

# Month names (lowercase) in English, French, Indonesian and Arabic (both calendars' names).
MONTHS: frozenset[str] = _words(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    januari februari maret mei juni juli agustus oktober desember
    يناير فبراير مارس أبريل ابريل مايو يونيو يوليو أغسطس اغسطس سبتمبر أكتوبر اكتوبر نوفمبر
    ديسمبر كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين
    """
)

# Date lines: months, weekdays and the small words that join them ("Le 26 juin 2017").
DATE_WORDS: frozenset[str] = MONTHS | _words(
    """
    monday tuesday wednesday thursday friday saturday sunday
    mon tue tues wed thu thur thurs fri sat sun
    lundi mardi mercredi jeudi vendredi samedi dimanche le er
    senin selasa rabu kamis jumat sabtu minggu tanggal
    the of on th st nd rd de as updated published posted released issued
    الأول الثاني الاول الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد
    """
)

# Whole lines that are site navigation or banner furniture (compared lowercased, without
# surrounding punctuation).
NAV_LINES: frozenset[str] = frozenset(
    (
        "skip links", "skip to main content", "skip to content", "skip navigation", "subscribe",
        "share", "rss", "print", "email", "e-mail", "menu", "search", "home", "share this page",
        "follow us", "back to top", "log in", "login", "sign in", "sign up", "print this page",
        "bookmark and share", "tweet", "facebook", "twitter", "linkedin",
        "toggle navigation", "main menu", "subscribe to updates",
        "here's how you know", "here\u2019s how you know",
        "an official website of the united states government", "official websites use .gov",
        "secure .gov websites use https", "share on facebook", "share on twitter",
        "email this page", "printer friendly", "printer-friendly version", "text size",
    )
)

# Words that mark navigation when glued to other words or crowded on one line.
NAV_WORDS: frozenset[str] = _words(
    """
    Home Search SEARCH Menu Skip Subscribe Share Bookmark Print Email Login Contact About
    HOME MENU
    """
)

# How letters open and close ("Dear Ms. Carter,", "Sincerely,"): a short line that starts with
# one of these and ends with a comma is a unit of its own. Lowercase; matched as a prefix.
LETTER_FORMULAS: tuple[str, ...] = (
    "dear", "my dear", "dearest", "hello", "hi", "greetings", "to whom it may concern",
    "sincerely", "yours", "very truly", "respectfully", "regards", "best regards",
    "kind regards", "warm regards", "with best", "with kind", "with warm", "best wishes",
    "cordially", "thank you", "thanks", "best", "all the best",
    "cher", "chère", "chers", "chères", "madame", "monsieur", "mesdames", "messieurs",
    "excellence", "cordialement", "bien cordialement", "bien à vous", "salutations",
    "respectueusement", "amitiés",
    "yth", "yang terhormat", "kepada yth", "dengan hormat", "hormat kami", "hormat saya",
    "salam", "wassalam", "terima kasih", "bapak", "ibu", "saudara",
    "عزيزي", "عزيزتي", "السيد", "السيدة", "سعادة", "معالي", "حضرة", "السلام عليكم",
    "تحية طيبة", "مع خالص", "مع التحية", "وتفضلوا", "وشكرا", "شكرا",
)

# Job titles that make "Name, Title" a byline.
JOB_TITLES: frozenset[str] = _words(
    """
    Spokesman Spokesperson Spokeswoman Director Secretary Ambassador Minister President
    Analyst Specialist Correspondent Reporter Editor Chairman Chair Chairwoman Coordinator
    Adviser Advisor Commander Deputy Chief Officer Envoy Representative Counsel Administrator
    Undersecretary Governor Senator Attorney Porte-parole porte-parole Juru Wartawan
    """
)
