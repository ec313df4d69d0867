package inbound

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

func TestTriageRules(t *testing.T) {
	tests := []struct {
		name, subject, text string
		kinds               []request.Kind
		agent               bool
		lang                string
	}{
		{"bare access means categories", "", "I want access to my information.", kinds(AC), false, "en"},
		{"specific pieces win over generic access", "", "Access request: the specific pieces of data you hold.", kinds(AS), false, "en"},
		{"categories named with specifics gives both", "", "Send me a copy of my data and the categories of sources.", kinds(AS, AC), false, "en"},
		{"word boundary: undeleted is not delete", "", "My undeleted drafts vanished.", kinds(U), false, "en"},
		{"word boundary: accessibility is not access", "", "Your accessibility page is broken.", kinds(U), false, "en"},
		{"case and accents ignored", "", "QUIERO QUE ELIMINÉN MIS DATOS", kinds(D), false, "es"},
		{"accent-free Spanish still matches", "", "Que datos tienen de mi?", kinds(AC), false, "es"},
		{"quoted lines ignored", "Re: hi", "Unsubscribe me please.\n> delete\n> do not sell\n", kinds(OM), false, "en"},
		{"remove alone in a list mail is unsubscribe", "", "Remove me. I never signed up for your newsletter.", kinds(OM), false, "en"},
		{"remove my data stays erasure", "", "Remove my data. Also I never asked for your newsletter.", kinds(D, OM), false, "en"},
		{"remove about something else is no erasure", "Billing problem", "I was charged twice this month. Please remove the duplicate charge from my card. Let me know when it is done.", kinds(U), false, "en"},
		{"remove an item is no erasure", "", "Please remove the item from my cart. Email me back.", kinds(U), false, "en"},
		{"remove me is erasure", "", "Please remove me from your systems.", kinds(D), false, "en"},
		{"remove what you hold about me is erasure", "", "Remove everything you have on file about me.", kinds(D), false, "en"},
		{"remove all information is erasure", "", "Please remove all information you have.", kinds(D), false, "en"},
		{"remove everything you have is erasure", "", "Remove everything you have.", kinds(D), false, "en"},
		{"remove us from your database is erasure", "", "Please remove us from your database.", kinds(D), false, "en"},
		{"remove one item is no erasure of everything", "", "Please remove my phone number.", kinds(U), false, "en"},
		{"remove the card on file is no erasure", "", "Please remove the saved credit card on file.", kinds(U), false, "en"},
		{"remove and let me know is no erasure", "", "Please remove the duplicate charge and let me know.", kinds(U), false, "en"},
		{"a child named in a billing mail", "", "My son bought a game on my card. Please remove the duplicate charge.", kinds(U), false, "en"},
		{"remove in the subject, me in the body", "Remove", "Please remove me.", kinds(D), false, "en"},
		{"my data removed", "Removal request", "I want my data removed.", kinds(D), false, "en"},
		{"my account removed", "", "I want my account removed.", kinds(D), false, "en"},
		{"remove it is one posting, not everything", "", "I found my personal information on your website. Please remove it.", kinds(U), false, "en"},
		{"a picture of me, remove it", "", "There is a picture of me on your homepage. Please remove it.", kinds(U), false, "en"},
		{"a charge on my account", "", "I was charged twice on my account. Please remove the duplicate charge.", kinds(U), false, "en"},
		{"a charge from my account", "", "Please remove the duplicate charge from my account.", kinds(U), false, "en"},
		{"a charge, and my account number", "", "Please remove the duplicate charge. My account number is 1234.", kinds(U), false, "en"},
		{"one of the charges", "", "Hi, my account was billed twice. Can you remove one of the charges?", kinds(U), false, "en"},
		{"a second user from my account", "", "Please remove the second user from my account.", kinds(U), false, "en"},
		{"the hold on my account", "", "Can you remove the hold on my account?", kinds(U), false, "en"},
		{"the hold on my account removed", "", "I want the hold on my account removed.", kinds(U), false, "en"},
		{"how to remove a payment method", "", "How do I remove a payment method from my account?", kinds(U), false, "en"},
		{"an authorized user", "", "Please remove my ex-husband as an authorized user on my account.", kinds(U), false, "en"},
		{"a late fee, with personal information", "", "Please remove the late fee. Here is my personal information for verification: name Jo.", kinds(U), false, "en"},
		{"the charge you made me pay", "", "Please remove the charge you made me pay twice.", kinds(U), false, "en"},
		{"a child's game charged twice", "", "My son's game was charged twice. Please remove the duplicate charge.", kinds(U), false, "en"},
		{"a child's subscription", "", "My daughter's subscription renewed by mistake. Please remove the charge.", kinds(U), false, "en"},
		{"one item from your database", "", "Please remove my phone number from your database.", kinds(U), false, "en"},
		{"name and address from your database", "", "Please remove my name and address from your database.", kinds(U), false, "en"},
		{"a profile picture", "", "Please remove my profile picture.", kinds(U), false, "en"},
		{"details from a directory", "", "Please remove my details from the public directory.", kinds(U), false, "en"},
		{"delete an invoice", "", "Please delete the duplicate invoice you sent me, it is wrong.", kinds(U), false, "en"},
		{"erase an old address", "", "Please erase the old address on my account.", kinds(U), false, "en"},
		{"delete an order from my account", "", "Can you delete the duplicate order from my account?", kinds(U), false, "en"},
		{"delete it, nothing named", "", "Delete it.", kinds(U), false, "en"},
		{"delete it, an account named", "", "I have an account with you. Please delete it.", kinds(D), false, "en"},
		{"my account deleted", "", "I want my account deleted.", kinds(D), false, "en"},
		{"delete everything about me", "Data deletion request", "Please delete everything you have about me.", kinds(D), false, "en"},
		{"a deletion of his records", "", "I request deletion of his records.", kinds(D), false, "en"},
		{"eliminar una factura", "", "Por favor eliminen la factura duplicada que me enviaron.", kinds(U), false, "es"},
		{"a deletion request by its name", "GDPR deletion request", "Please process this.", kinds(D), false, "en"},
		{"a deletion request, a name only", "CCPA Request - Delete", "Name: Jo Smith", kinds(D), false, "en"},
		{"request to be deleted, a name only", "Request to be deleted", "Name: Jo Smith", kinds(D), false, "en"},
		{"right to erasure", "", "I am exercising my right to erasure.", kinds(D), false, "en"},
		{"a request for deletion", "", "I am submitting a verifiable consumer request for deletion under the CCPA.", kinds(D), false, "en"},
		{"the account associated with this email", "", "Please delete the account associated with this email address.", kinds(D), false, "en"},
		{"this account", "", "Please delete this account.", kinds(D), false, "en"},
		{"my entire account", "", "Please delete my entire account.", kinds(D), false, "en"},
		{"my ProductionFlow account", "", "Please delete my ProductionFlow account.", kinds(D), false, "en"},
		{"an account named by its address", "", "Please delete the account jo@example.com.", kinds(D), false, "en"},
		{"my profile and all my data", "", "Please delete my profile and all my data.", kinds(D), false, "en"},
		{"my subscription and account", "", "Please delete my subscription and account.", kinds(D), false, "en"},
		{"any and all", "", "Please delete any and all data you have on me.", kinds(D), false, "en"},
		{"my PII", "", "Please delete my PII.", kinds(D), false, "en"},
		{"make sure it is deleted", "", "Please make sure my account is deleted.", kinds(D), false, "en"},
		{"request that it be deleted", "", "I would like to request that my account be deleted.", kinds(D), false, "en"},
		{"can it be deleted", "", "Can my account be deleted?", kinds(D), false, "en"},
		{"my email from your records", "", "Please delete my email address from your records.", kinds(D), false, "en"},
		{"all traces of me", "", "Please delete all traces of me.", kinds(D), false, "en"},
		{"the data associated with my account", "", "Please delete the data associated with my account.", kinds(D), false, "en"},
		{"my account along with my data", "", "Please delete my account along with all my data.", kinds(D), false, "en"},
		{"solicitud de eliminación de datos", "", "Solicitud de eliminación de datos", kinds(D), false, "es"},
		{"borrar cuenta", "Borrar cuenta", "Por favor, gracias.", kinds(D), false, "es"},
		{"eliminen la cuenta asociada", "", "Eliminen la cuenta asociada a este correo.", kinds(D), false, "es"},
		{"eliminen mi usuario y mis datos", "", "Quiero que eliminen mi usuario y todos mis datos.", kinds(D), false, "es"},
		{"eliminen por favor mi cuenta", "", "Eliminen por favor mi cuenta.", kinds(D), false, "es"},
		{"quiero que me borren", "", "Quiero que me borren de su base de datos.", kinds(D), false, "es"},
		{"borren todo lo que tengan", "", "Borren todo lo que tengan sobre mí.", kinds(D), false, "es"},
		{"borren mis datos de su sistema", "", "Borren mis datos de su sistema.", kinds(D), false, "es"},
		{"mi cuenta de forma permanente", "", "Deseo que eliminen mi cuenta de forma permanente.", kinds(D), false, "es"},
		{"mi cuenta de la marca", "", "Hola, quiero eliminar mi cuenta de ProductionFlow.", kinds(D), false, "es"},
		{"bórrenla, una cuenta nombrada", "", "Tengo una cuenta con ustedes. Por favor, bórrenla.", kinds(D), false, "es"},
		{"everything from my cart", "", "Please remove everything from my cart.", kinds(U), false, "en"},
		{"any information that is wrong", "", "Please remove any information that is wrong.", kinds(U), false, "en"},
		{"records of a complaint", "", "Please remove any records of the complaint I made.", kinds(U), false, "en"},
		{"it from my account", "", "Please delete it from my account.", kinds(U), false, "en"},
		{"charged twice, remove it", "", "My account was charged twice. Please remove it.", kinds(U), false, "en"},
		{"two charges, remove them", "", "My account shows two charges. Please remove them.", kinds(U), false, "en"},
		{"a wrong address, subject about my account", "Question about my account", "There is a wrong address on file. Please delete it.", kinds(U), false, "en"},
		{"my data on your website, remove it", "", "I found my data on your website. Please remove it.", kinds(U), false, "en"},
		{"my account number", "", "Please delete my account number from the receipt.", kinds(U), false, "en"},
		{"my account's saved card", "", "Please delete my account's saved card.", kinds(U), false, "en"},
		{"all my saved payment methods", "", "Please delete all my saved payment methods.", kinds(U), false, "en"},
		{"data about my previous address", "", "Please delete all data about my previous address.", kinds(U), false, "en"},
		{"everything except my account", "", "Please delete everything except my account.", kinds(U), false, "en"},
		{"the personal information in my review", "", "Please delete the personal information in my review.", kinds(U), false, "en"},
		{"my account from the family plan", "", "Please remove my account from the family plan.", kinds(U), false, "en"},
		{"my son's name from the invoice", "", "Please remove my son's name from the invoice.", kinds(U), false, "en"},
		{"why was my account deleted", "", "Why was my account deleted?", kinds(U), false, "en"},
		{"deleted by mistake", "", "I deleted my account by mistake, can you restore it?", kinds(U), false, "en"},
		{"los datos del pedido", "", "Borren todos los datos del pedido cancelado.", kinds(U), false, "es"},
		{"el cargo de mi cuenta", "", "Eliminen el cargo de mi cuenta.", kinds(U), false, "es"},
		{"mi cuenta de la familia", "", "Eliminen mi cuenta de la familia compartida.", kinds(U), false, "es"},
		{"uno de los cargos", "", "Tengo una cuenta con ustedes. Me cobraron dos veces. Por favor, eliminen uno de los cargos.", kinds(U), false, "es"},
		{"a deletion policy question", "Deletion policy", "What is your data deletion policy? I'm evaluating your product for my company.", kinds(U), false, "en"},
		{"the deletion process", "Question", "How long does the deletion process take once I submit a request?", kinds(U), false, "en"},
		{"my account was deleted, a subject", "My account was deleted!", "Please help.", kinds(U), false, "en"},
		{"all my data was erased", "Data lost", "All my data was erased after your update. This is unacceptable. I want it back.", kinds(U), false, "en"},
		{"the update erased my profile", "", "The update erased my profile. Please fix.", kinds(U), false, "en"},
		{"if I delete my account", "Refund", "If I delete my account, will I get a refund for the rest of the year?", kinds(U), false, "en"},
		{"should I delete my account", "", "Should I delete my account or just deactivate it?", kinds(U), false, "en"},
		{"will my data be deleted", "", "Will my data be deleted if I close my account?", kinds(U), false, "en"},
		{"can I delete my account", "", "Can I delete my account?", kinds(U), false, "en"},
		{"can I have my data deleted", "", "Can I have my data deleted?", kinds(D), false, "en"},
		{"is it possible to delete", "", "Is it possible to delete my account?", kinds(D), false, "en"},
		{"I deleted my account last year", "", "I deleted my account last year but I still get emails.", kinds(U), false, "en"},
		{"remove me from a group", "Remove me from group", "Please remove me from the Design Team group.", kinds(U), false, "en"},
		{"remove me from this thread", "", "Please remove me from this thread.", kinds(U), false, "en"},
		{"delete me from everything", "", "Please delete me from everything.", kinds(D), false, "en"},
		{"quítenme del grupo", "", "Por favor quítenme del grupo de WhatsApp.", kinds(U), false, "es"},
		{"borré mi cuenta por error", "Error", "Borré mi cuenta por error, ¿la pueden recuperar?", kinds(U), false, "es"},
		{"ya eliminé mi cuenta", "", "Ya eliminé mi cuenta, ¿por qué me siguen llegando correos?", kinds(U), false, "es"},
		{"supriman una factura", "Factura", "Por favor supriman la factura duplicada del mes pasado.", kinds(U), false, "es"},
		{"la supresión de mis datos", "Solicitud de supresión", "Por medio de la presente solicito la supresión de todos mis datos personales de sus sistemas.", kinds(D), false, "es"},
		{"derecho de supresión", "", "Conforme al artículo 17 del RGPD, ejerzo mi derecho de supresión de mis datos personales.", kinds(D), false, "es"},
		{"a child named, nothing asked", "Kids", "My daughter uses your app. What data do you collect about children?", kinds(U), false, "en"},
		{"a copy of a child's data", "", "I'd like a copy of my son's data.", kinds(U), false, "en"},
		{"all the info you have on him", "My kid", "my kid signed up for your app, delete all the info you have on him please", kinds(CH), false, "en"},
		{"requesting that it be deleted", "", "I am requesting that my account be deleted.", kinds(D), false, "en"},
		{"delete my data pls", "", "delete my data pls", kinds(D), false, "en"},
		{"without undue delay", "", "Please delete my account without undue delay.", kinds(D), false, "en"},
		{"not happy with the service", "Erasure", "I'm not happy with your service. Please delete my account.", kinds(D), false, "en"},
		{"cancel my account and delete my data", "", "Please cancel my account and delete all my data.", kinds(D), false, "en"},
		{"cancel my account deletion", "", "Please delete my account. Actually, cancel my account deletion.", kinds(U), false, "en"},
		{"cancel that", "", "Please delete my account. Actually, cancel that.", kinds(U), false, "en"},
		{"cancelen mi suscripción y borren mis datos", "", "Cancelen mi suscripción y borren mis datos.", kinds(D), false, "es"},
		{"delete all data you hold", "", "Please delete all data you hold about me.", kinds(D), false, "en"},
		{"the deletion of all data you hold", "", "I request the deletion of all data you hold about me.", kinds(D), false, "en"},
		{"a copy of all data you hold, then delete", "", "Please send me a copy of all data you hold about me and then delete it.", kinds(AS, D), false, "en"},
		{"any data on me", "", "Please remove any data you have on me.", kinds(D), false, "en"},
		{"the data you have on me", "", "Remove the data you have on me.", kinds(D), false, "en"},
		{"all records of my email", "", "Please remove all records associated with my email.", kinds(D), false, "en"},
		{"everything", "", "Please remove everything.", kinds(D), false, "en"},
		{"to be removed from your database", "", "I would like to be removed from your database.", kinds(D), false, "en"},
		{"have me removed", "", "Please have me removed from your systems.", kinds(D), false, "en"},
		{"my data should be removed", "", "My data should be removed.", kinds(D), false, "en"},
		{"eliminen un cargo", "", "Por favor eliminen el cargo duplicado de mi tarjeta.", kinds(U), false, "es"},
		{"eliminen una tarjeta de mi cuenta", "", "Eliminen la tarjeta guardada de mi cuenta.", kinds(U), false, "es"},
		{"borren una dirección de mi cuenta", "", "Por favor borren la dirección antigua de mi cuenta.", kinds(U), false, "es"},
		{"eliminen un artículo", "", "Por favor eliminen el artículo de mi carrito.", kinds(U), false, "es"},
		{"eliminen mi número", "", "Por favor eliminen mi número de teléfono.", kinds(U), false, "es"},
		{"eliminen un cargo que me cobraron", "", "Eliminen el cargo que me cobraron dos veces.", kinds(U), false, "es"},
		{"quítenme de su lista", "", "Quítenme de su lista de correo.", kinds(OM), false, "es"},
		{"quítenme de su base de datos", "", "Quítenme de su base de datos.", kinds(D), false, "es"},
		{"sáquenme de su base de datos", "", "Sáquenme de su base de datos.", kinds(D), false, "es"},
		{"quiten mis datos", "", "Quiten mis datos de su base de datos.", kinds(D), false, "es"},
		{"elimínenme", "", "Por favor, elimínenme de sus sistemas.", kinds(D), false, "es"},
		{"la eliminación de mis datos", "", "Solicito la eliminación de mis datos personales.", kinds(D), false, "es"},
		{"la eliminación de un cargo", "", "Solicito la eliminación del cargo duplicado.", kinds(U), false, "es"},
		{"los datos de mi hija", "", "Mi hija tiene 12 años. Eliminen los datos de mi hija.", kinds(CH), false, "es"},
		{"my daughter's account", "", "Please remove my daughter's account.", kinds(CH), false, "en"},
		{"remove data of this address is erasure", "", "Please remove all data associated with this email address.", kinds(D), false, "en"},
		{"a removal request", "Data Removal Request", "Please remove all personal information you have collected. Name: Jo. Email: jo@example.com", kinds(D), false, "en"},
		{"remove my son is the child's", "", "Please remove my son from your records.", kinds(CH), false, "en"},
		{"agent in Spanish", "", "Actúo en representación de mi madre; borren sus datos.", kinds(D), true, "es"},
		{"I represent", "", "I represent Mr. Smith and request deletion of his records.", kinds(D), true, "en"},
		{"under 18 asks nothing", "", "My daughter is under 18.", kinds(U), false, "en"},
		{"opt out of sale", "Do Not Sell My Info", "", kinds(OS), false, "en"},
		{"stop emails", "", "Stop emails!!", kinds(OM), false, "en"},
		{"correction in Spanish", "", "Por favor corrijan mi nombre.", kinds(C), false, "es"},
		{"portability in Spanish", "", "Quiero exportar mis datos.", kinds(P), false, "es"},
		{"signature cut", "", "Thanks for the quick help!\n-- \nHead of Marketing\n", kinds(U), false, "en"},
		{"delete and tell me what you have: both", "", "Please delete all my data and tell me what you have on me.", kinds(AC, D), false, "en"},
		{"what you have on me", "", "What do you have on me? I would like to know.", kinds(AC), false, "en"},
		{"what you have in stock is no request", "", "Tell me what you have in stock in size 10.", kinds(U), false, "en"},
		{"what information you need is no request", "", "Can you tell me what information you need for my refund?", kinds(U), false, "en"},
		{"a copy of what you have on me is a copy", "", "Please send me a copy of what you have on me.", kinds(AS), false, "en"},

		// A kind named only under a negation is not asked for.
		{"do not delete, only a copy", "", "Please do not delete my account. I only want a copy of my data.", kinds(AS), false, "en"},
		{"do not want you to delete, just a copy", "", "I do not want you to delete anything, I just want a copy of my data", kinds(AS), false, "en"},
		{"negation across a wrapped line", "", "Please do not\ndelete my account. I only want a copy of my data.", kinds(AS), false, "en"},
		{"don't with a curly apostrophe", "", "Don’t delete my account, just tell me what data you have.", kinds(AC), false, "en"},
		{"dont", "", "dont delete anything please", kinds(U), false, "en"},
		{"never delete", "", "Never delete my account.", kinds(U), false, "en"},
		{"no need to delete", "", "There is no need to delete my account.", kinds(U), false, "en"},
		{"not to be deleted", "", "I would like my account not to be deleted.", kinds(U), false, "en"},
		{"don't want my data deleted", "", "I don't want my data deleted.", kinds(U), false, "en"},
		{"not asking for deletion", "", "I am not asking for deletion.", kinds(U), false, "en"},
		{"not a deletion request", "", "This is not a deletion request: what data do you have about me?", kinds(AC), false, "en"},
		{"without deleting", "", "Send me a copy of my data without deleting my account.", kinds(AS), false, "en"},
		{"cancel a deletion", "", "Please cancel my deletion request.", kinds(U), false, "en"},
		{"deletion asked and negated is unclear", "", "Please delete my data. Actually, do not delete my account.", kinds(U), false, "en"},
		{"deletion negated in the subject", "Please don't delete my account", "Send me a copy of my data.", kinds(AS), false, "en"},
		{"no borren", "", "No borren mi cuenta, solo quiero una copia de mis datos.", kinds(AS), false, "es"},
		{"no eliminen", "", "Por favor no eliminen nada.", kinds(U), false, "es"},
		{"no quiero que borren", "", "No quiero que borren mis datos.", kinds(U), false, "es"},
		{"sin borrar", "", "Quiero una copia de mis datos sin borrar mi cuenta.", kinds(AS), false, "es"},
		{"a copy not wanted", "", "I don't need a copy of my data, delete it.", kinds(D), false, "en"},
		{"do not unsubscribe me", "", "Please do not unsubscribe me from the newsletter.", kinds(U), false, "en"},
		{"not opting out of the sale", "", "I do not want to opt out of the sale of my data.", kinds(U), false, "en"},
		// ...but "do not sell" and "I don't want your newsletter" are the opt-outs.
		{"the CCPA opt-out phrase", "", "Do Not Sell or Share My Personal Information", kinds(OS), false, "en"},
		{"not wanting data sold is the opt-out", "", "I do not want you selling my data.", kinds(OS), false, "en"},
		{"not wanting newsletters is the opt-out", "", "I don't want any more newsletters.", kinds(OM), false, "en"},
		{"no quiero recibir is the opt-out", "", "No quiero recibir publicidad.", kinds(OM), false, "es"},
		// ...and a "not" elsewhere does not negate the ask.
		{"if you cannot delete it", "", "I have an account with you. If you cannot delete it, tell me.", kinds(D), false, "en"},
		{"if you don't delete", "", "If you don't delete my data I will complain.", kinds(D), false, "en"},
		{"why haven't you deleted", "", "Why haven't you deleted my account yet?", kinds(D), false, "en"},
		{"still not deleted", "", "My data has still not been deleted.", kinds(D), false, "en"},
		{"no account, but delete", "", "I don't have an account but delete any data you hold about me.", kinds(D), false, "en"},
		{"no tengo cuenta, pero borren", "", "No tengo cuenta pero borren mis datos.", kinds(D), false, "es"},
		{"don't forget to delete", "", "Don't forget to delete my data.", kinds(D), false, "en"},
		{"never received a copy", "", "I never received a copy of my data.", kinds(AS), false, "en"},
		{"no more mail, and delete", "", "No me envíen más correos y borren mis datos.", kinds(D), false, "es"},
		{"and a new ask ends the negation", "", "Please do not delete my account and send me a copy of my data.", kinds(AS), false, "en"},
		{"delete nothing", "", "Please delete nothing until I am back.", kinds(U), false, "en"},
		{"no me den de baja", "", "No me den de baja, por favor.", kinds(U), false, "es"},

		// A deletion the desk cannot read with confidence makes the whole
		// mail unclear: a negation it cannot place (past a comma or bracket
		// when it has governed nothing yet, in the same stretch as the
		// deletion words, or after them), or a deletion asked in one place
		// and negated in another. Never a deletion, never a silent drop.
		{"negation across a comma", "", "Do not, under any circumstances, delete my account. Send me a copy of my data.", kinds(U), false, "en"},
		{"negation across brackets", "", "Please do NOT (I repeat, NOT) delete my account", kinds(U), false, "en"},
		{"never, ever", "", "Never, ever delete my account", kinds(U), false, "en"},
		{"do not, repeat not", "", "I do not, repeat not, want my account deleted", kinds(U), false, "en"},
		{"don't you dare", "", "Don't you dare delete my account", kinds(U), false, "en"},
		{"under no circumstances", "", "Under no circumstances should you delete my account", kinds(U), false, "en"},
		{"rather you didn't", "", "I'd rather you didn't delete my account", kinds(U), false, "en"},
		{"nothing should be deleted", "", "I want to know what data you have. Nothing should be deleted.", kinds(U), false, "en"},
		{"negation after the deletion words", "", "Keep my account; deletion is not wanted.", kinds(U), false, "en"},
		{"no longer want it deleted", "", "I no longer want my account deleted.", kinds(U), false, "en"},
		{"delete, but not before the copy", "", "Send me a copy of my data, then delete my account. Do not delete it before I get the copy.", kinds(U), false, "en"},
		{"delete, but not the order history", "", "Please delete my account and stop sending me newsletters. Don't delete my order history until the refund is through.", kinds(U), false, "en"},
		{"delete my data, not my account", "", "Delete my data, not my account.", kinds(U), false, "en"},
		{"delete but keep", "", "Please delete my account but keep my order history.", kinds(U), false, "en"},
		{"delete, then no", "", "Delete my account. Actually, no.", kinds(U), false, "en"},
		{"delete, then never mind", "", "Please delete my account. Never mind, I found the setting.", kinds(U), false, "en"},
		{"keep in a sentence of its own", "", "Please keep my account. Delete my old address.", kinds(U), false, "en"},
		{"confirm it has not been deleted", "", "Please confirm that my account has not been deleted.", kinds(U), false, "en"},
		{"nunca, jamás", "", "Nunca, jamás, borren mi cuenta.", kinds(U), false, "es"},
		{"borren mis datos pero no mi cuenta", "", "Borren mis datos, pero no mi cuenta.", kinds(U), false, "es"},
		// The safety net: a deletion (or a child's data) stands only when
		// every negation or retraction in the mail is one the desk reads as
		// harmless; any other makes the whole mail unclear.
		{"don't sell, share or delete", "", "Please don't sell, share or delete my data.", kinds(U), false, "en"},
		{"do not sell or delete", "", "Please do not sell or delete my data.", kinds(U), false, "en"},
		{"under no circumstances, comma", "", "Under no circumstances, delete my account.", kinds(U), false, "en"},
		{"in no case, comma", "", "In no case, delete my account.", kinds(U), false, "en"},
		{"at no point, comma", "", "At no point, delete my account.", kinds(U), false, "en"},
		{"don't you ever, ever", "", "Don't you ever, ever delete my data.", kinds(U), false, "en"},
		{"delete, then cancel that", "", "Please delete my account. Actually, cancel that.", kinds(U), false, "en"},
		{"delete, then on second thought", "", "Please delete my account. On second thought, don't.", kinds(U), false, "en"},
		{"delete, then ignore this request", "", "Please delete my account. Please ignore this request.", kinds(U), false, "en"},
		{"delete, then take that back", "", "Please delete my account. I take that back.", kinds(U), false, "en"},
		{"a retraction in the subject", "Cancel my request", "Please delete my account.", kinds(U), false, "en"},
		{"no sell or delete in Spanish", "", "No vendan ni borren mis datos.", kinds(U), false, "es"},
		{"delete, then mejor no", "", "Borren mi cuenta. Mejor no.", kinds(U), false, "es"},
		// ...deliberately unclear since the safety net (each read as a
		// deletion before it): "not sure" and "don't want to be" are
		// negations the desk does not read as harmless, and withdraw is a
		// retraction word.
		{"not sure, then delete", "", "I'm not sure, please delete my data.", kinds(U), false, "en"},
		{"a comma ends the negation", "", "I don't want to be in your system anymore, forget me.", kinds(U), false, "en"},
		{"not sure whether, then delete", "", "I'm not sure if you have my data but please delete it.", kinds(U), false, "en"},
		{"withdrawn consent, then delete", "", "I want to withdraw my consent and have my data deleted.", kinds(U), false, "en"},
		// ...while the harmless ones leave the deletion standing.
		{"an opt-out in its own sentence", "", "Don't sell my data. Delete it.", kinds(D, OS), false, "en"},
		{"an opt-out, then and delete", "", "Stop selling my data and delete it.", kinds(D, OS), false, "en"},
		{"how a child signed up", "", "My son signed up without my permission. Please delete his account.", kinds(CH), false, "en"},
		{"don't hesitate to contact me", "", "Please delete my account. Do not hesitate to contact me.", kinds(D), false, "en"},
		{"a reply's subject quotes the desk", "Re: We could not read your message to our privacy team", "Please delete my account.", kinds(D), false, "en"},
		// ...while a negation placed away from the deletion leaves it asked
		// (these read the same before the rule; they pin its reach).
		{"a reason after the deletion", "", "Please delete my account, I no longer use it.", kinds(D), false, "en"},
		{"an opt-out after the deletion", "", "Delete my data and don't send me any more newsletters.", kinds(D, OM), false, "en"},
		{"una razón tras el borrado", "", "Borren mi cuenta, ya no la uso.", kinds(D), false, "es"},
		{"without delay", "", "Please delete my account without delay.", kinds(D), false, "en"},
		{"don't email me", "", "Delete my account and don't email me again.", kinds(D), false, "en"},
		{"don't keep", "", "Delete my data and don't keep any copies.", kinds(D), false, "en"},

		// In mail about a child's data, the deletion words are about the child.
		{"a parent's deletion is the child's", "", "Please delete my son Leo's account, leo.child@example.com.", kinds(CH), false, "en"},
		// One request acts on one person: a child's-data mail that also asks
		// for the writer's own deletion is unclear, and the team splits it.
		{"the parent's own account as well", "", "Please delete my son Leo's account, leo.child@example.com, and delete my own account as well.", kinds(U), false, "en"},
		{"the parent's own data in Spanish", "", "Borren los datos de mi hija y también los míos.", kinds(U), false, "es"},
		{"my account and my son's", "", "Please delete my account and my son's account.", kinds(U), false, "en"},
		{"my account, then my son's", "", "Delete my account. My son also has an account, delete it too.", kinds(U), false, "en"},
		{"my daughter used my account", "", "My daughter used my account. Please delete my account.", kinds(U), false, "en"},
		{"the parent's own: everything about me", "", "My son Leo uses your app, please delete his account. Also erase everything you hold about me.", kinds(U), false, "en"},
		{"the parent's own: my email address", "", "My son Leo uses your app, please delete his account. Also remove my email address from your systems.", kinds(U), false, "en"},
		{"the parent's own: what you have on me", "", "My son Leo uses your app, please delete his account. Also delete what you have on me.", kinds(U), false, "en"},
		{"not the parent's own", "", "Please delete my son's data, not my own.", kinds(CH), false, "en"},
		{"a child's deletion in Spanish", "", "Mi hija tiene 14 años. Por favor borren sus datos.", kinds(CH), false, "es"},
		{"my account, not my son's", "", "Please delete my account, not my son's.", kinds(D), false, "en"},
		{"a child's data not to be deleted", "", "Please do not delete my daughter's account.", kinds(U), false, "en"},

		// "Personal information" is how the CCPA words the right to know.
		{"what personal information you have collected", "", "CCPA Request: I would like to know what personal information you have collected about me", kinds(AC), false, "en"},
		{"what personal information you have about me", "", "Please tell me what personal information you have about me.", kinds(AC), false, "en"},
		{"what personal information you collect", "", "What personal information do you collect about me?", kinds(AC), false, "en"},
		{"what information you have collected", "", "What information have you collected about me?", kinds(AC), false, "en"},
		{"que informacion personal", "", "¿Qué información personal tienen sobre mí?", kinds(AC), false, "es"},
		{"what personal information you sell", "", "What personal information do you sell?", kinds(AC), false, "en"},
		{"what personal information you need is no request", "", "What personal information do you need for my refund?", kinds(U), false, "en"},
		{"que informacion personal necesitan is no request", "", "¿Qué información personal necesitan para verificar mi identidad?", kinds(U), false, "es"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := &Result{Subject: tc.subject, Text: tc.text, Priority: request.Normal, Reply: true}
			triage(res)
			assert.Equal(t, tc.kinds, res.Kinds)
			assert.Equal(t, tc.agent, res.Agent, "agent")
			assert.Equal(t, tc.lang, res.Language, "language")
		})
	}
}

func TestTriagePriority(t *testing.T) {
	tests := []struct {
		subject, text string
		priority      request.Priority
		regulation    string
	}{
		{"CCPA Request", "delete my data", E, "CCPA"},
		{"RE: ccpa request - access", "", E, "CCPA"},
		{"Solicitud CCPA", "borrar", E, "CCPA"},
		{"Question about the CCPA", "delete my data", N, ""},
		{"hello", "my son uses your app, delete his data", E, ""},
		{"a child's data not to be deleted", "Please do not delete my son's account.", E, ""},
		{"not about a child", "Please delete my account, not my son's.", N, ""},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			res := &Result{Subject: tc.subject, Text: tc.text, Priority: request.Normal}
			triage(res)
			assert.Equal(t, tc.priority, res.Priority)
			assert.Equal(t, tc.regulation, res.Regulation)
		})
	}
}

func TestTextCutOnRuneBoundary(t *testing.T) {
	for _, max := range []int{1, 2, 3, 4, 5, 6, 7} {
		b := textBuilder{max: max}
		b.add("ñé€x") // 2 + 2 + 3 + 1 bytes
		assert.True(t, utf8.ValidString(b.String()), "max %d gave %q", max, b.String())
		assert.LessOrEqual(t, b.Len(), max)
		assert.GreaterOrEqual(t, b.Len(), max-2, "at most a partial rune is dropped")
	}
}
