package generate

// Population is the number of inhabitants of each of the 98 kommuner (by kommunekode), rounded
// to the nearest 500, after Statistics Denmark's population figures for 1 January 2024
// (statbank.dk, table FOLK1A; approximate, from the published figures). The generator sizes
// each kommune's share of the sager by it: København has about 11 % of the population and so
// about 11 % of the sager. Approximate is enough: the figures only size a benchmark.
var Population = map[string]int{
	"101": 660500, // København
	"147": 104500, // Frederiksberg
	"151": 52000,  // Ballerup
	"153": 39000,  // Brøndby
	"155": 14500,  // Dragør
	"157": 75000,  // Gentofte
	"159": 70500,  // Gladsaxe
	"161": 23500,  // Glostrup
	"163": 30500,  // Herlev
	"165": 28000,  // Albertslund
	"167": 54500,  // Hvidovre
	"169": 52500,  // Høje-Taastrup
	"173": 56500,  // Lyngby-Taarbæk
	"175": 41000,  // Rødovre
	"183": 24000,  // Ishøj
	"185": 44500,  // Tårnby
	"187": 17000,  // Vallensbæk
	"190": 41500,  // Furesø
	"201": 26500,  // Allerød
	"210": 41500,  // Fredensborg
	"217": 63500,  // Helsingør
	"219": 53000,  // Hillerød
	"223": 25500,  // Hørsholm
	"230": 57500,  // Rudersdal
	"240": 44500,  // Egedal
	"250": 46000,  // Frederikssund
	"253": 50500,  // Greve
	"259": 61500,  // Køge
	"260": 31500,  // Halsnæs
	"265": 90000,  // Roskilde
	"269": 23500,  // Solrød
	"270": 41500,  // Gribskov
	"306": 33000,  // Odsherred
	"316": 73000,  // Holbæk
	"320": 37500,  // Faxe
	"326": 48500,  // Kalundborg
	"329": 35500,  // Ringsted
	"330": 80000,  // Slagelse
	"336": 23500,  // Stevns
	"340": 30000,  // Sorø
	"350": 29000,  // Lejre
	"360": 40500,  // Lolland
	"370": 84000,  // Næstved
	"376": 60000,  // Guldborgsund
	"390": 45500,  // Vordingborg
	"400": 39500,  // Bornholm
	"410": 39500,  // Middelfart
	"420": 41000,  // Assens
	"430": 51500,  // Faaborg-Midtfyn
	"440": 24000,  // Kerteminde
	"450": 32000,  // Nyborg
	"461": 208500, // Odense
	"479": 59000,  // Svendborg
	"480": 29500,  // Nordfyns
	"482": 12000,  // Langeland
	"492": 6000,   // Ærø
	"510": 55500,  // Haderslev
	"530": 27000,  // Billund
	"540": 73500,  // Sønderborg
	"550": 37000,  // Tønder
	"561": 116000, // Esbjerg
	"563": 3500,   // Fanø
	"573": 49500,  // Varde
	"575": 42500,  // Vejen
	"580": 58500,  // Aabenraa
	"607": 52500,  // Fredericia
	"615": 98000,  // Horsens
	"621": 95000,  // Kolding
	"630": 122000, // Vejle
	"657": 90000,  // Herning
	"661": 59000,  // Holstebro
	"665": 19500,  // Lemvig
	"671": 21000,  // Struer
	"706": 43500,  // Syddjurs
	"707": 37500,  // Norddjurs
	"710": 49500,  // Favrskov
	"727": 23500,  // Odder
	"730": 99500,  // Randers
	"740": 98000,  // Silkeborg
	"741": 3500,   // Samsø
	"746": 64000,  // Skanderborg
	"751": 367000, // Aarhus
	"756": 42000,  // Ikast-Brande
	"760": 56500,  // Ringkøbing-Skjern
	"766": 47500,  // Hedensted
	"773": 20000,  // Morsø
	"779": 46000,  // Skive
	"787": 43000,  // Thisted
	"791": 98000,  // Viborg
	"810": 36500,  // Brønderslev
	"813": 58500,  // Frederikshavn
	"820": 36000,  // Vesthimmerlands
	"825": 1500,   // Læsø
	"840": 30500,  // Rebild
	"846": 41500,  // Mariagerfjord
	"849": 38500,  // Jammerbugt
	"851": 222000, // Aalborg
	"860": 64000,  // Hjørring
}

// SagerPerScale is the number of sager of the whole country at scale 1: about one year of
// the country (DST counts about 56,000 citizens a year).
const SagerPerScale = 60000

// SagerFor returns the number of sager kommune kode gets at scale: its population share of
// SagerPerScale × scale, at least 1 so that every kommune has data.
func SagerFor(kode string, scale float64) int {
	total := 0
	for _, p := range Population {
		total += p
	}
	n := int(float64(SagerPerScale)*scale*float64(Population[kode])/float64(total) + 0.5)
	return max(n, 1)
}
