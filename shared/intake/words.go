package intake

import "github.com/productionflow/privacy-desk/shared/mail"

// words are what Validate says of a field, in one language: the
// submission's (Submission.Language), so that the form shows its errors in
// the language it was filled in. Entries ending in "f" are formats.
type words struct {
	channel, submissionID, noKinds, unknownKindf, kindTwice      string
	phone, relationship, state, declaration, priority            string
	declarationPortability                                       string
	childMissing, childWithoutKind, childNameOnly, childOwnEmail string
	agentOwnEmail, agentEmailEmpty                               string
	childEmailLike                                               string
	tooManyCorrectionsf, correctionRight, correctionItem         string
	correctionsWithoutKind, correctionsMissing                   string
	emailEmpty, emailTooLongf, emailOneLine, emailLike           string
	required, plainText, atMostf, oneLine, control               string
}

var english = words{
	channel:                "Unknown channel.",
	submissionID:           "The form's submission ID is missing or malformed; reload the form and try again.",
	noKinds:                "Choose at least one request.",
	unknownKindf:           "%q is not a request we know.",
	kindTwice:              "Each request can be chosen once.",
	phone:                  "Use digits, spaces and + ( ) - . only.",
	relationship:           "Choose one of the listed relationships.",
	state:                  "Choose a US state or \"outside the US\".",
	declaration:            "Specific pieces of data need the signed declaration: tick the box to confirm it.",
	declarationPortability: "A copy of your data to take with you needs the signed declaration: tick the box to confirm it.",
	priority:               "Unknown priority.",
	childMissing:           "Give the child's email address or their account or username with us, or both: we look for the child's data with them.",
	childWithoutKind:       "The child's details go with \"Delete a child's data\": choose it, or leave them empty.",
	childNameOnly:          "Give the child's email address or their account or username with us, or both: a name alone is not enough to find the child's data.",
	childOwnEmail:          "This is your own email address. Give the child's address here (or leave it empty and give their account); we write to you at yours.",
	agentOwnEmail:          "This is the email address of the person you act for. Give your own address here: we ask that person, at theirs, to confirm the request.",
	agentEmailEmpty:        "Enter your own email address, as the agent: the privacy team may write to you there (the desk writes to the person you act for).",
	childEmailLike:         "Enter the child's email address like name@example.com.",
	tooManyCorrectionsf:    "List at most %d items to correct; tell us the rest in the details.",
	correctionRight:        "Tell us what it should say.",
	correctionItem:         "Tell us which piece of data is wrong, e.g. \"postal address\".",
	correctionsWithoutKind: "Items to correct go with \"Correct your data\": choose it, or leave them empty.",
	correctionsMissing:     "Tell us at least one piece of data that is wrong and what it should be.",
	emailEmpty:             "Enter your email address: we write to you there.",
	emailTooLongf:          "An email address has at most %d characters.",
	emailOneLine:           "An email address is a single line.",
	emailLike:              "Enter an email address like name@example.com.",
	required:               "This field is required.",
	plainText:              "Use plain text.",
	atMostf:                "Use at most %d characters.",
	oneLine:                "Use a single line.",
	control:                "Remove the control characters.",
}

// spanish names the request kinds as the Spanish form does (mail.KindTitle).
var spanish = words{
	channel:                "Canal desconocido.",
	submissionID:           "Falta el identificador del formulario o no es válido; vuelva a cargar el formulario e inténtelo de nuevo.",
	noKinds:                "Elija al menos una solicitud.",
	unknownKindf:           "%q no es una solicitud que conozcamos.",
	kindTwice:              "Cada solicitud se puede elegir una sola vez.",
	phone:                  "Use solo dígitos, espacios y + ( ) - .",
	relationship:           "Elija una de las relaciones de la lista.",
	state:                  "Elija un estado de EE. UU. o «Fuera de EE. UU.».",
	declaration:            "Para obtener datos concretos se necesita la declaración firmada: marque la casilla para confirmarla.",
	declarationPortability: "Para recibir una copia de sus datos en un formato portátil se necesita la declaración firmada: marque la casilla para confirmarla.",
	priority:               "Prioridad desconocida.",
	childMissing:           "Indique el correo electrónico del menor, su cuenta o nombre de usuario con nosotros, o ambos: con ellos buscamos los datos del menor.",
	childWithoutKind:       "Los datos del menor van con «Eliminar los datos de un menor de 18 años»: elija esa opción o deje estos campos vacíos.",
	childNameOnly:          "Indique el correo electrónico del menor, su cuenta o nombre de usuario con nosotros, o ambos: con el nombre solo no podemos encontrar los datos del menor.",
	childOwnEmail:          "Este es su propio correo electrónico. Indique aquí el correo del menor (o déjelo vacío e indique su cuenta); a usted le escribimos al suyo.",
	agentOwnEmail:          "Este es el correo electrónico de la persona a la que representa. Indique aquí el suyo: a esa persona le pedimos, en el suyo, que confirme la solicitud.",
	agentEmailEmpty:        "Escriba su propio correo electrónico, como agente: el equipo de privacidad puede escribirle allí (el servicio escribe a la persona a la que representa).",
	childEmailLike:         "Escriba el correo electrónico del menor con la forma nombre@ejemplo.com.",
	tooManyCorrectionsf:    "Indique como máximo %d datos para corregir; cuéntenos el resto en los detalles.",
	correctionRight:        "Indíquenos qué debería decir.",
	correctionItem:         "Indíquenos qué dato está mal, por ejemplo, «dirección postal».",
	correctionsWithoutKind: "Los datos para corregir van con «Corregir datos personales inexactos»: elija esa opción o deje estos campos vacíos.",
	correctionsMissing:     "Indíquenos al menos un dato que esté mal y qué debería decir.",
	emailEmpty:             "Escriba su correo electrónico: le escribiremos allí.",
	emailTooLongf:          "Un correo electrónico tiene como máximo %d caracteres.",
	emailOneLine:           "Un correo electrónico ocupa una sola línea.",
	emailLike:              "Escriba un correo electrónico con la forma nombre@ejemplo.com.",
	required:               "Este campo es obligatorio.",
	plainText:              "Use texto simple.",
	atMostf:                "Use como máximo %d caracteres.",
	oneLine:                "Use una sola línea.",
	control:                "Quite los caracteres de control.",
}

// wordsIn are the words of language lang: Spanish for "es" and its
// regional forms, English for anything else.
func wordsIn(lang string) *words {
	if mail.Language(lang) == mail.Spanish {
		return &spanish
	}
	return &english
}
